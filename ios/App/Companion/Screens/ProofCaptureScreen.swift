import Companion
import SwiftUI
import UIKit

/// Proof of delivery at the door: outcome, recipient, signature, photos, the current location
/// with its accuracy, the items scanned against the manifest, the geofence verdict and, when
/// the driver is not where the core expects, an override that needs a reason. Items are scanned
/// against the stop's manifest with the scanner's camera (`CameraScan`, `LiveScanCamera`) in a
/// sheet; typing one in stays possible, with the reason the core records. Every step is
/// saved by the core at once (`DeliveryCapture`); the core says what is still missing and
/// seals the proof. Camera and location are asked for (`.proofOfDelivery`) when the capture
/// opens, and the location is taken only while this screen captures.
@MainActor
final class ProofCaptureModel: ObservableObject {
    enum Access: Equatable {
        case deciding
        case ready
        case explain([Permission])
        case settings
        /// Working without what was refused: the core's degradations (no photos, no geofence).
        case degraded([Degradation])
    }

    @Published private(set) var capture: DeliveryCapture?
    @Published private(set) var access: Access = .deciding
    @Published private(set) var locating = false
    @Published private(set) var locationNote: String?
    @Published private(set) var problem: Problem?
    @Published var recipient = ""
    @Published var overrideReason = ""
    @Published var outcomeReason = ""
    @Published var gtin = ""
    @Published var itemLot = ""
    @Published var itemQuantity = "1"
    @Published var manualReason = ""
    /// What each scan counts (a label's own count, GS1 AI 37 or 30, wins).
    @Published var scanQuantity = 1
    /// What the last scan did, in words, for the scan sheet.
    @Published private(set) var lastScan: String?

    let stop: Stop
    private let deliveries: Deliveries
    private let scanner: Scanner
    private let corePermissions: Permissions
    private let permissions: PointOfUsePermissions
    private let location: DeliveryLocation

    init(client: CompanionClient, stop: Stop) {
        deliveries = client.deliveries()
        scanner = client.scanner()
        corePermissions = client.permissions()
        permissions = PointOfUsePermissions(permissions: corePermissions)
        location = DeliveryLocation(deliveries: deliveries)
        self.stop = stop
    }

    var canTakePhotos: Bool {
        if case .degraded(let lost) = access { return !lost.contains(.noPhotos) }
        return access == .ready
    }

    var canLocate: Bool {
        if case .degraded(let lost) = access { return !lost.contains(.geofenceUnknown) }
        return access == .ready
    }

    var isDraft: Bool {
        if case .draft? = capture?.state { return true }
        return false
    }

    // MARK: opening

    func open() async {
        await run { try await self.deliveries.startCapture(stopId: self.stop.id) }
        recipient = capture?.recipientName ?? ""
        guard isDraft else { return }
        do {
            try await act(on: try await permissions.decide(.proofOfDelivery))
        } catch {
            problem = Problem(error)
        }
    }

    func continueAfterExplanation(_ toAsk: [Permission]) async {
        do {
            try await act(on: try await permissions.request(.proofOfDelivery, toAsk), asked: true)
        } catch {
            problem = Problem(error)
        }
    }

    private func act(on decision: PermissionDecision, asked: Bool = false) async throws {
        switch decision.action {
        case .proceed:
            access = .ready
            await locate()
        case .request(let toAsk) where !asked:
            try await act(on: try await permissions.request(.proofOfDelivery, toAsk), asked: true)
        case .explainThenRequest(let toAsk) where !asked:
            access = .explain(toAsk)
        case .requestFullAccuracy where !asked:
            try await act(on: try await permissions.requestFullAccuracy(.proofOfDelivery), asked: true)
        case .openSettings:
            access = .settings
        case .degrade(let lost):
            access = .degraded(lost)
            if !lost.contains(.geofenceUnknown) { await locate() }
        case .request, .explainThenRequest, .requestFullAccuracy:
            // Asked once already on this screen: carry on with what the core allows.
            access = .degraded(corePermissions.degradeWithout(feature: .proofOfDelivery, decision: decision))
        }
    }

    var settingsUrl: URL? { permissions.settingsUrl }

    // MARK: steps (each returns the capture as saved)

    /// Runs one core call that returns the capture, showing its error.
    private func run(_ step: () async throws -> DeliveryCapture) async {
        problem = nil
        do {
            let saved = try await step()
            // Calls in flight together (the fix taken at open, a tapped outcome) can return
            // in either order: an older capture must not hide a newer edit. The core's
            // updatedAtMs grows with every change, even within one millisecond.
            if let shown = capture, saved.updatedAtMs < shown.updatedAtMs { return }
            capture = saved
        } catch {
            problem = Problem(error)
        }
    }

    /// One current fix, handed to the core, which assesses the geofence.
    func locate() async {
        locating = true
        locationNote = nil
        defer { locating = false }
        do {
            switch try await location.currentFix() {
            case .fix(let fix):
                await run { try await self.deliveries.setFix(stopId: self.stop.id, fix: fix) }
            case .unavailable(let facts):
                locationNote = facts.serviceEnabled
                    ? "Location is not allowed for Companion."
                    : "Location services are off."
            case .noFix(let reason):
                locationNote = "No location: \(reason). Try again outside or near a window."
            }
        } catch {
            problem = Problem(error)
        }
    }

    func setOutcome(_ outcome: DeliveryOutcome) async {
        await run { try await self.deliveries.setOutcome(stopId: self.stop.id, outcome: outcome) }
    }

    /// Partial delivery: the delivered quantity per manifest line, from the items scanned.
    func partialFromScans() -> DeliveryOutcome {
        let scanned = capture?.scannedItems ?? []
        return .partial(lines: stop.items.map { line in
            LineQuantity(lineId: line.lineId,
                         delivered: scanned.filter { $0.gtin == line.gtin }.reduce(0) { $0 + $1.quantity })
        })
    }

    func saveRecipient() async {
        let name = recipient.trimmingCharacters(in: .whitespaces)
        await run { try await self.deliveries.setRecipient(stopId: self.stop.id, name: name.isEmpty ? nil : name) }
    }

    func setSignature(_ signature: SignatureCapture) async {
        await run { try await self.deliveries.setSignature(stopId: self.stop.id, signature: signature) }
    }

    func clearSignature() async {
        await run { try await self.deliveries.clearSignature(stopId: self.stop.id) }
    }

    func addPhoto(_ image: UIImage) async {
        guard let jpeg = PhotoJpeg.upright(image) else {
            problem = Problem(message: "The photo could not be encoded; take it again.")
            return
        }
        await run { try await self.deliveries.addPhoto(stopId: self.stop.id, jpeg: jpeg) }
    }

    func removePhoto(_ photo: PhotoRef) async {
        await run { try await self.deliveries.removePhoto(stopId: self.stop.id, sha256: photo.sha256) }
    }

    /// Scans items until the calling task is cancelled (the scan sheet closed): every confirmed
    /// code that carries a GTIN is added as scanned, spelled as the manifest spells it.
    func scanItems(with camera: CameraScan) async {
        lastScan = nil
        do {
            try await camera.run(
                scanner,
                onFrameError: { [weak self] error in
                    Task { @MainActor in self?.problem = Problem(error) }
                },
                onRunning: {},
                onEvent: { event in await addScanned(event.code) })
        } catch CameraScan.Failure.noCamera {
            lastScan = "This device has no camera: type the items in on the proof screen."
        } catch CameraScan.Failure.notStarted(let error) {
            problem = Problem(error)
        } catch {
            problem = Problem(error)
        }
    }

    func addScanned(_ code: ScannedCode) async {
        guard let item = ManifestScan.item(from: code, manifest: stop.items, quantity: Int64(scanQuantity)) else {
            lastScan = "\(code.text) is not a product barcode"
            return
        }
        await run { try await self.deliveries.addItem(stopId: self.stop.id, item: item) }
        guard problem == nil else { return }
        if let line = stop.items.first(where: { $0.gtin == item.gtin }) {
            lastScan = "\(line.description) × \(item.quantity)\(item.lot.map { " · lot \($0)" } ?? "")"
        } else {
            lastScan = "\(item.gtin) × \(item.quantity) is not on this stop's manifest"
        }
    }

    /// Typed in, when the label cannot be scanned: the reason is required, so the core records
    /// it as a manual entry (a typed item never passes as scanned).
    func addItem() async {
        guard let quantity = Int64(itemQuantity), quantity > 0 else {
            problem = Problem(message: "Enter the quantity as a whole number.")
            return
        }
        let reason = manualReason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else {
            problem = Problem(message: "Say why the item is typed in, not scanned (label damaged, no camera, …).")
            return
        }
        let digits = gtin.trimmingCharacters(in: .whitespaces)
        let lot = itemLot.trimmingCharacters(in: .whitespaces)
        let item = ItemScan(
            gtin: ManifestScan.manifestSpelling(of: digits, in: stop.items),
            lot: lot.isEmpty ? nil : lot, quantity: quantity, manualReason: reason)
        await run { try await self.deliveries.addItem(stopId: self.stop.id, item: item) }
        if problem == nil {
            gtin = ""
            itemLot = ""
        }
    }

    func removeItem(at index: Int) async {
        await run { try await self.deliveries.removeItem(stopId: self.stop.id, index: UInt32(index)) }
    }

    func setOverride() async {
        let reason = overrideReason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { return }
        await run { try await self.deliveries.setGeofenceOverride(stopId: self.stop.id, reason: reason) }
    }

    func withdrawOverride() async {
        await run { try await self.deliveries.setGeofenceOverride(stopId: self.stop.id, reason: nil) }
    }

    /// Seals with the device key (or the signer set with `withSigner`) and queues the upload.
    func seal() async {
        await run { try await self.deliveries.seal(stopId: self.stop.id, signer: nil) }
    }
}

/// A scanned code as an item of the stop's manifest. The core reconciles by the GTIN's exact
/// text, and a manifest may spell a GTIN with 8, 12, 13 or 14 digits while a GS1 label gives
/// 14 (and an EAN-13 label 13): the item takes the spelling of the manifest line with the same
/// number, so it counts towards that line. A GTIN on no line keeps the label's spelling (the
/// core reports it as not on the manifest).
enum ManifestScan {
    /// `nil` when the code carries no GTIN (an SSCC, a URL, a location label).
    static func item(from code: ScannedCode, manifest: [ExpectedItem], quantity: Int64) -> ItemScan? {
        guard let gtin = gtin(of: code) else { return nil }
        return ItemScan(
            gtin: manifestSpelling(of: gtin, in: manifest), lot: lot(of: code),
            quantity: count(of: code) ?? quantity, manualReason: nil)
    }

    /// GS1 data: its GTIN element (AI 01 or 02, check digit verified by the core). Otherwise an
    /// EAN-8, UPC-A, EAN-13 or ITF-14 number as read.
    static func gtin(of code: ScannedCode) -> String? {
        for element in code.gs1 {
            if case .gtin(let gtin14)? = element.typed { return gtin14 }
        }
        guard code.gs1.isEmpty else { return nil }
        let text = code.text
        guard [8, 12, 13, 14].contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text
    }

    /// The batch/lot (AI 10) on a GS1 label, when valid.
    static func lot(of code: ScannedCode) -> String? {
        code.gs1.first { $0.ai == "10" && $0.issue == nil }?.value
    }

    /// A count printed on the label (AI 37, count of trade items; AI 30, variable count).
    static func count(of code: ScannedCode) -> Int64? {
        for element in code.gs1 where element.ai == "37" || element.ai == "30" {
            if case .count(let count)? = element.typed, count > 0 { return Int64(clamping: count) }
        }
        return nil
    }

    static func manifestSpelling(of gtin: String, in manifest: [ExpectedItem]) -> String {
        let key = padded(gtin)
        return manifest.first { padded($0.gtin) == key }?.gtin ?? gtin
    }

    private static func padded(_ gtin: String) -> String {
        gtin.count >= 14 ? gtin : String(repeating: "0", count: 14 - gtin.count) + gtin
    }
}

/// A camera photo as the core takes it: upright (drawn into a new bitmap, which also drops
/// the metadata), at most 2048 px on the long side, JPEG.
enum PhotoJpeg {
    static func upright(_ image: UIImage) -> Data? {
        let longSide = max(image.size.width, image.size.height)
        let scale = longSide > 2048 ? 2048 / longSide : 1
        let size = CGSize(width: (image.size.width * scale).rounded(), height: (image.size.height * scale).rounded())
        let format = UIGraphicsImageRendererFormat()
        format.scale = 1
        let redrawn = UIGraphicsImageRenderer(size: size, format: format).image { _ in
            image.draw(in: CGRect(origin: .zero, size: size))
        }
        return redrawn.jpegData(compressionQuality: 0.8)
    }
}

/// The system camera for one photo (`UIImagePickerController`, camera source only: no photo
/// library, so no library permission).
struct CameraPhotoPicker: UIViewControllerRepresentable {
    let onPhoto: (UIImage) -> Void
    @Environment(\.dismiss) private var dismiss

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        private let parent: CameraPhotoPicker

        init(_ parent: CameraPhotoPicker) {
            self.parent = parent
        }

        func imagePickerController(_ picker: UIImagePickerController, didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let image = info[.originalImage] as? UIImage { parent.onPhoto(image) }
            parent.dismiss()
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            parent.dismiss()
        }
    }
}

/// The proof screen's sheets: one `.sheet(item:)`, as two `.sheet` modifiers on one view
/// are unreliable on iOS 15.
enum ProofSheet: Identifiable {
    case photo
    case scanItems

    var id: Self { self }
}

@MainActor
struct ProofCaptureScreen: View {
    @StateObject private var model: ProofCaptureModel
    @StateObject private var drawing = SignatureDrawing()
    @State private var sheet: ProofSheet?
    @State private var refusalNote = ""

    init(client: CompanionClient, stop: Stop) {
        _model = StateObject(wrappedValue: ProofCaptureModel(client: client, stop: stop))
    }

    var body: some View {
        Form {
            Section(model.stop.customer.name) {
                Text(model.stop.address.lines.joined(separator: "\n"))
                if let capture = model.capture {
                    Text(ProofStateText.of(capture.state, stop: model.stop)).font(.caption)
                    if !capture.missing.isEmpty {
                        Text("Still needed: \(capture.missing.joined(separator: ", "))").foregroundColor(.orange)
                    }
                }
            }
            accessSection
            if model.isDraft {
                outcomeSection
                Section("Recipient") {
                    TextField("Name", text: $model.recipient)
                        .onSubmit { Task { await model.saveRecipient() } }
                }
                signatureSection
                photoSection
                locationSection
                itemsSection
                typedItemSection
                Section {
                    Button("Seal proof") { Task { await model.seal() } }
                        .disabled(!(model.capture?.missing.isEmpty ?? false))
                }
            }
            if let problem = model.problem {
                Section { ProblemView(problem: problem, retry: nil) }
            }
        }
        .navigationTitle("Stop \(model.stop.sequence)")
        .sheet(item: $sheet) { sheet in
            switch sheet {
            case .photo:
                CameraPhotoPicker { image in Task { await model.addPhoto(image) } }
            case .scanItems:
                ManifestScanSheet(model: model)
            }
        }
        .task { await model.open() }
    }

    @ViewBuilder
    private var accessSection: some View {
        switch model.access {
        case .deciding, .ready:
            EmptyView()
        case .explain(let toAsk):
            Section {
                Text("Photos and your location at the door go into the proof of this delivery, only while you capture it.")
                Button("Continue") { Task { await model.continueAfterExplanation(toAsk) } }
            }
        case .settings:
            Section {
                Text("Camera or location is off for Companion. Turn them on in Settings, or continue without them.")
                if let url = model.settingsUrl { Link("Open Settings", destination: url) }
            }
        case .degraded(let lost):
            Section {
                if lost.contains(.noPhotos) { Text("No camera: the proof goes without photos.") }
                if lost.contains(.geofenceUnknown) { Text("No location: the office checks the place by hand.") }
            }
        }
    }

    private var outcomeSection: some View {
        Section("Outcome") {
            Button("Delivered") { Task { await model.setOutcome(.delivered) } }
            Button("Partly delivered (as scanned)") { Task { await model.setOutcome(model.partialFromScans()) } }
            TextField("Reason (refused or not delivered)", text: $model.outcomeReason)
            HStack {
                Button("Refused") { Task { await model.setOutcome(.refused(reason: model.outcomeReason)) } }
                Spacer()
                Button("Not delivered") { Task { await model.setOutcome(.notDelivered(reason: model.outcomeReason)) } }
            }
            .disabled(model.outcomeReason.isEmpty)
            if let outcome = model.capture?.outcome {
                Text("Recorded: \(OutcomeText.of(outcome))").font(.caption)
            }
        }
    }

    private var signatureSection: some View {
        Section("Signature") {
            if model.capture?.signature != nil {
                Text("Signature recorded")
                Button("Sign again") { Task { await model.clearSignature(); drawing.clear() } }
            } else {
                SignaturePad(drawing: drawing) { size in
                    Task { await model.setSignature(drawing.capture(width: size.width, height: size.height)) }
                }
                TextField("Note if the recipient will not or cannot sign", text: $refusalNote)
                HStack {
                    Button("Refused to sign") {
                        Task { await model.setSignature(.refusedToSign(note: refusalNote.isEmpty ? nil : refusalNote)) }
                    }
                    Spacer()
                    Button("Unable to sign") { Task { await model.setSignature(.unableToSign(reason: refusalNote)) } }
                        .disabled(refusalNote.isEmpty)
                }
            }
        }
    }

    private var photoSection: some View {
        Section("Photos (\(model.capture?.photos.count ?? 0) of \(model.stop.policy.photosRequired) required)") {
            ForEach(model.capture?.photos ?? [], id: \.sha256) { photo in
                HStack {
                    Text("\(photo.width)×\(photo.height), \(photo.size / 1024) KB")
                    Spacer()
                    Button("Remove") { Task { await model.removePhoto(photo) } }
                }
            }
            Button("Take photo") { sheet = .photo }
                .disabled(!model.canTakePhotos || !UIImagePickerController.isSourceTypeAvailable(.camera))
        }
    }

    private var locationSection: some View {
        Section("Location") {
            if let fix = model.capture?.fix {
                Text("Within \(Double(fix.accuracyCm) / 100, specifier: "%.0f") m\(fix.authorization == .approximate ? " (approximate)" : "")")
            }
            if let note = model.locationNote { Text(note).foregroundColor(.secondary) }
            Button(model.locating ? "Locating…" : "Take location") { Task { await model.locate() } }
                .disabled(model.locating || !model.canLocate)
            if let geofence = model.capture?.geofence {
                Text(GeofenceText.of(geofence)).foregroundColor(geofence.verdict == .inside ? .green : .orange)
                if geofence.verdict != .inside {
                    if let current = model.capture?.geofenceOverride {
                        Text("Overridden: \(current.reason)")
                        Button("Withdraw override") { Task { await model.withdrawOverride() } }
                    } else {
                        TextField("Why the place is right", text: $model.overrideReason)
                        Button("Override") { Task { await model.setOverride() } }
                            .disabled(model.overrideReason.trimmingCharacters(in: .whitespaces).isEmpty)
                    }
                }
            }
        }
    }

    private var itemsSection: some View {
        Section("Items") {
            ForEach(model.stop.items, id: \.lineId) { line in
                LabeledRow(title: line.description, value: ScannedCount.text(of: line, in: model.capture))
            }
            Button("Scan items") { sheet = .scanItems }
                .disabled(!model.canTakePhotos)
            ForEach(Array((model.capture?.scannedItems ?? []).enumerated()), id: \.offset) { index, item in
                HStack {
                    Text("\(item.gtin) × \(item.quantity)\(item.lot.map { " · lot \($0)" } ?? "")\(item.manualReason == nil ? "" : " (typed)")")
                    Spacer()
                    Button("Remove") { Task { await model.removeItem(at: index) } }
                }
            }
            ForEach(model.capture?.discrepancies ?? [], id: \.self) { discrepancy in
                Text(DiscrepancyText.of(discrepancy)).foregroundColor(.orange)
            }
        }
    }

    /// Typing an item in when its label cannot be scanned: the reason is required.
    private var typedItemSection: some View {
        Section("Type an item in") {
            TextField("GTIN", text: $model.gtin).keyboardType(.numberPad)
            TextField("Lot (if the label shows one)", text: $model.itemLot)
            TextField("Quantity", text: $model.itemQuantity).keyboardType(.numberPad)
            TextField("Why typed, not scanned", text: $model.manualReason)
            Button("Add typed item") { Task { await model.addItem() } }
                .disabled(model.gtin.isEmpty || model.manualReason.trimmingCharacters(in: .whitespaces).isEmpty)
        }
    }
}

/// "3 of 5" for a manifest line: the items counted towards it, as the core matches them (same
/// GTIN text; a line naming a lot counts only that lot).
enum ScannedCount {
    static func text(of line: ExpectedItem, in capture: DeliveryCapture?) -> String {
        let counted = (capture?.scannedItems ?? [])
            .filter { $0.gtin == line.gtin && (line.lot == nil || $0.lot == line.lot) }
            .reduce(0) { $0 + $1.quantity }
        return "\(counted) of \(line.quantity)"
    }
}

/// Scanning items at the door: the scanner's camera preview and live scanner (`CameraScan`),
/// each confirmed code added to the capture as scanned; the manifest with the counts so far and
/// the discrepancies update as the core answers. Closing the sheet stops the camera.
@MainActor
struct ManifestScanSheet: View {
    @ObservedObject var model: ProofCaptureModel
    @StateObject private var camera = CameraScan()
    @Environment(\.dismiss) private var dismiss

    init(model: ProofCaptureModel) {
        self.model = model
    }

    var body: some View {
        NavigationView {
            VStack(spacing: 0) {
                CameraPreview(session: camera.rig.session, camera: camera.liveCamera)
                    .frame(maxWidth: .infinity)
                    .frame(height: 280)
                    .background(Color.black)
                List {
                    Section {
                        Stepper("Each scan counts \(model.scanQuantity)", value: $model.scanQuantity, in: 1...999)
                        if let lastScan = model.lastScan {
                            Text(lastScan)
                        }
                    }
                    Section("Manifest") {
                        ForEach(model.stop.items, id: \.lineId) { line in
                            LabeledRow(title: line.description, value: ScannedCount.text(of: line, in: model.capture))
                        }
                    }
                    if let discrepancies = model.capture?.discrepancies, !discrepancies.isEmpty {
                        Section("Differences") {
                            ForEach(discrepancies, id: \.self) { discrepancy in
                                Text(DiscrepancyText.of(discrepancy)).foregroundColor(.orange)
                            }
                        }
                    }
                    if let problem = model.problem {
                        Section { ProblemView(problem: problem, retry: nil) }
                    }
                }
            }
            .navigationTitle("Scan items")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
        }
        .navigationViewStyle(.stack)
        .task { await model.scanItems(with: camera) }
    }
}

/// The geofence verdict with what it rests on.
enum GeofenceText {
    static func of(_ geofence: GeofenceAssessment) -> String {
        let distance = geofence.distanceM.map { " (\(Int($0)) m from the address)" } ?? ""
        switch geofence.verdict {
        case .inside: return "At the address\(distance)"
        case .warn: return "Near the address\(distance): check you are at the right door"
        case .outside: return "Away from the address\(distance)"
        case .unknown:
            switch geofence.unknownReason {
            case .noFix?, nil: return "Place unknown: no location yet"
            case .approximateOnly?: return "Place unknown: the location is approximate (Precise Location is off)"
            case .accuracyTooWide?: return "Place unknown: the location is not accurate enough"
            case .staleFix?: return "Place unknown: the location is too old; take it again"
            }
        }
    }
}

enum OutcomeText {
    static func of(_ outcome: DeliveryOutcome) -> String {
        switch outcome {
        case .delivered: return "delivered"
        case .partial(let lines): return "partly delivered (\(lines.count) lines)"
        case .refused(let reason): return "refused: \(reason)"
        case .notDelivered(let reason): return "not delivered: \(reason)"
        }
    }
}

enum DiscrepancyText {
    static func of(_ discrepancy: ItemDiscrepancy) -> String {
        switch discrepancy {
        case .short(_, let gtin, let expected, let scanned): return "\(gtin): \(scanned) of \(expected), short"
        case .over(_, let gtin, let expected, let scanned): return "\(gtin): \(scanned) of \(expected), over"
        case .wrongLot(_, let gtin, let expectedLot, let scannedLot, _):
            return "\(gtin): lot \(scannedLot ?? "none") instead of \(expectedLot)"
        case .notOnManifest(let gtin, _, let quantity): return "\(gtin) × \(quantity) is not on the manifest"
        case .manualEntry(let gtin, _, let reason): return "\(gtin) typed in: \(reason)"
        }
    }
}
