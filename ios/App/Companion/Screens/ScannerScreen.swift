import AVFoundation
import Companion
import SwiftUI
import UIKit

/// Scanning at the shelf: the camera preview with the scan window, the core's live scanner
/// fed by `LiveScanCamera`, and each confirmed code resolved to the item's stock. The camera
/// permission is asked through `PointOfUsePermissions` only when this screen opens, as the
/// core decides; without a camera (simulator, refused, restricted) the code is typed instead.
@MainActor
final class ScannerModel: ObservableObject {
    enum CameraState {
        case deciding
        /// The core wants its explanation shown before the system prompt.
        case explain([Permission])
        case running
        /// Refused for good: Settings is the only way back; typing works meanwhile.
        case settings(URL?)
        case manualOnly(String)
    }

    @Published private(set) var camera: CameraState = .deciding
    @Published private(set) var lastCode: ScannedCode?
    @Published private(set) var lastItem: ScannedItem?
    @Published private(set) var found: [ItemStock] = []
    @Published private(set) var problem: Problem?
    @Published var typedCode = ""

    let inventory: Inventory
    private let scanner: Scanner
    private let permissions: PointOfUsePermissions
    let cameraScan = CameraScan()
    var rig: CaptureRig { cameraScan.rig }
    var liveCamera: LiveScanCamera? { cameraScan.liveCamera }

    init(client: CompanionClient) {
        inventory = client.inventory()
        scanner = client.scanner()
        permissions = PointOfUsePermissions(permissions: client.permissions())
    }

    /// The screen's life: decide on the camera, then scan until the view goes.
    func run() async {
        do {
            try await act(on: try await permissions.decide(.scanning))
        } catch {
            problem = Problem(error)
            camera = .manualOnly("The camera could not be prepared.")
        }
    }

    /// After the explanation: the system prompt, then what the core decides.
    func continueAfterExplanation(_ toAsk: [Permission]) async {
        do {
            try await act(on: try await permissions.request(.scanning, toAsk), askedAlready: true)
        } catch {
            problem = Problem(error)
        }
    }

    private func act(on decision: PermissionDecision, askedAlready: Bool = false) async throws {
        switch decision.action {
        case .proceed:
            await scan()
        case .request(let toAsk) where !askedAlready:
            try await act(on: try await permissions.request(.scanning, toAsk), askedAlready: true)
        case .explainThenRequest(let toAsk) where !askedAlready:
            camera = .explain(toAsk)
        case .openSettings:
            camera = .settings(permissions.settingsUrl)
        case .degrade, .request, .explainThenRequest, .requestFullAccuracy:
            camera = .manualOnly("No camera access: type the code.")
        }
    }

    /// Runs the capture session and the live scanner; returns when the task is cancelled.
    private func scan() async {
        do {
            try await cameraScan.run(
                scanner,
                onFrameError: { [weak self] error in
                    Task { @MainActor in self?.problem = Problem(error) }
                },
                onRunning: { camera = .running },
                onEvent: { event in await show(event) })
        } catch CameraScan.Failure.noCamera {
            camera = .manualOnly("This device has no camera: type the code.")
        } catch CameraScan.Failure.notStarted(let error) {
            problem = Problem(error)
            camera = .manualOnly("The camera could not be started: type the code.")
        } catch {
            problem = Problem(error)
            camera = .manualOnly("The camera could not be started: type the code.")
        }
    }

    private func show(_ event: ScanEvent) async {
        lastCode = event.code
        lastItem = event.item
        await lookUp(ScannerModel.lookupCode(of: event.code))
    }

    func lookUpTyped() async {
        await lookUp(typedCode.trimmingCharacters(in: .whitespaces))
    }

    private func lookUp(_ code: String) async {
        problem = nil
        do {
            found = try await inventory.lookup(code: code)
        } catch {
            found = []
            problem = Problem(error)
        }
    }

    /// A GS1 code is looked up by its GTIN; any other code by its text.
    static func lookupCode(of code: ScannedCode) -> String {
        for element in code.gs1 {
            if case .gtin(let gtin14)? = element.typed { return gtin14 }
        }
        return code.text
    }
}

/// The camera preview, `LiveScanCamera` and the core's live scanner, run together for as long
/// as the calling task: the stock scanner and the proof screen's manifest scan share it. The
/// camera permission is the calling screen's business (its feature's `decide` first).
@MainActor
final class CameraScan: ObservableObject {
    enum Failure: Error {
        /// No video device (the simulator) or its input could not be made.
        case noCamera
        /// The live scanner or the capture session refused to start.
        case notStarted(Error)
    }

    let rig = CaptureRig()
    @Published private(set) var liveCamera: LiveScanCamera?

    /// Starts the camera and a live-scan session, calls `onRunning`, hands every confirmed
    /// code to `onEvent` (one at a time, in order) and, when the calling task is cancelled
    /// (the view went), stops the camera and the scanner. Throws `Failure` before anything
    /// runs. `onFrameError` is called on the capture queue (see `LiveScanCamera`).
    func run(
        _ scanner: Scanner,
        onFrameError: @escaping @Sendable (CompanionError) -> Void,
        onRunning: () -> Void,
        onEvent: (ScanEvent) async -> Void
    ) async throws {
        guard let device = AVCaptureDevice.default(for: .video),
              let input = try? AVCaptureDeviceInput(device: device) else {
            throw Failure.noCamera
        }
        let live: LiveScan
        let camera: LiveScanCamera
        do {
            live = try scanner.liveScan()
            camera = LiveScanCamera(scanner: live.session, onError: onFrameError)
            try rig.configure(input: input, camera: camera)
        } catch {
            throw Failure.notStarted(error)
        }
        liveCamera = camera
        rig.start()
        onRunning()
        for await event in live.events {
            await onEvent(event)
        }
        // The task was cancelled (the view went): stop the camera and the scanner.
        rig.stop(detaching: camera)
        live.stop()
        liveCamera = nil
    }
}

/// The capture session, configured and started off the main thread (`startRunning` blocks).
final class CaptureRig: @unchecked Sendable {
    let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "app.companion.scanner-session")

    func configure(input: AVCaptureDeviceInput, camera: LiveScanCamera) throws {
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        // A screen shown again runs again: drop the previous run's camera input first.
        for old in session.inputs {
            session.removeInput(old)
        }
        if session.canSetSessionPreset(.hd1280x720) {
            session.sessionPreset = .hd1280x720
        }
        guard session.canAddInput(input) else {
            throw CompanionError.InvalidInput(field: "camera", detail: "the capture session cannot take the camera")
        }
        session.addInput(input)
        try camera.attach(to: session)
    }

    func start() {
        queue.async { self.session.startRunning() }
    }

    func stop(detaching camera: LiveScanCamera) {
        queue.async {
            self.session.stopRunning()
            camera.detach(from: self.session)
        }
    }
}

/// Where codes are read: the same rect is drawn as the overlay and handed to the scanner, so
/// what the user aims at is what the core decodes.
enum ScanWindow {
    static func rect(in bounds: CGRect) -> CGRect {
        let width = bounds.width * 0.8
        let height = min(bounds.height * 0.35, width * 0.6)
        return CGRect(x: bounds.midX - width / 2, y: bounds.midY - height / 2, width: width, height: height)
    }
}

/// The preview layer with the scan window drawn over it; tells the camera the window after
/// every layout (rotation included).
final class CameraPreviewView: UIView {
    override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }

    var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }
    var camera: LiveScanCamera?
    private let overlay = CAShapeLayer()

    override init(frame: CGRect) {
        super.init(frame: frame)
        previewLayer.videoGravity = .resizeAspectFill
        overlay.strokeColor = UIColor.systemYellow.cgColor
        overlay.fillColor = UIColor.clear.cgColor
        overlay.lineWidth = 3
        layer.addSublayer(overlay)
    }

    required init?(coder: NSCoder) {
        fatalError("CameraPreviewView is made in code")
    }

    override func layoutSubviews() {
        super.layoutSubviews()
        let window = ScanWindow.rect(in: bounds)
        overlay.frame = bounds
        overlay.path = UIBezierPath(roundedRect: window, cornerRadius: 12).cgPath
        camera?.setScanWindow(window, in: previewLayer)
    }
}

struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession
    let camera: LiveScanCamera?

    func makeUIView(context: Context) -> CameraPreviewView {
        let view = CameraPreviewView(frame: .zero)
        view.previewLayer.session = session
        return view
    }

    func updateUIView(_ view: CameraPreviewView, context: Context) {
        view.camera = camera
        view.setNeedsLayout()
    }
}

@MainActor
struct ScannerScreen: View {
    @StateObject private var model: ScannerModel

    init(client: CompanionClient) {
        _model = StateObject(wrappedValue: ScannerModel(client: client))
    }

    var body: some View {
        VStack(spacing: 0) {
            cameraArea
                .frame(maxWidth: .infinity)
                .frame(height: 320)
                .background(Color.black)
            List {
                if let code = model.lastCode {
                    Section("Scanned") {
                        Text(code.text).font(.body.monospaced())
                        if let item = model.lastItem {
                            Text("\(item.name)\(item.lot.map { " · lot \($0)" } ?? "")")
                        }
                    }
                }
                Section("Type a code") {
                    HStack {
                        TextField("Barcode or GTIN", text: $model.typedCode)
                            .keyboardType(.numberPad)
                        Button("Look up") { Task { await model.lookUpTyped() } }
                            .disabled(model.typedCode.isEmpty)
                    }
                }
                if !model.found.isEmpty {
                    Section("Stock") {
                        ForEach(model.found, id: \.self) { stock in
                            NavigationLink(destination: ItemStockScreen(inventory: model.inventory, item: stock.item)) {
                                ItemRow(item: stock.item, total: stock.totalQty)
                            }
                        }
                    }
                }
                if let problem = model.problem {
                    ProblemView(problem: problem, retry: nil)
                }
            }
        }
        .navigationTitle("Scan")
        .task { await model.run() }
    }

    @ViewBuilder
    private var cameraArea: some View {
        switch model.camera {
        case .deciding:
            ProgressView()
        case .running:
            CameraPreview(session: model.rig.session, camera: model.liveCamera)
        case .explain(let toAsk):
            VStack(spacing: 12) {
                Text("The camera reads barcodes inside the frame. Nothing is recorded or kept.")
                    .multilineTextAlignment(.center)
                Button("Continue") { Task { await model.continueAfterExplanation(toAsk) } }
            }
            .foregroundColor(.white)
            .padding()
        case .settings(let url):
            VStack(spacing: 12) {
                Text("Camera access is off for Companion. Turn it on in Settings to scan, or type the code below.")
                    .multilineTextAlignment(.center)
                if let url {
                    Link("Open Settings", destination: url)
                }
            }
            .foregroundColor(.white)
            .padding()
        case .manualOnly(let reason):
            Text(reason).foregroundColor(.white).padding()
        }
    }
}
