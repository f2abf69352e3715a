import AVFoundation
import CoreMedia
import CoreVideo
import Foundation
import QuartzCore

/// The camera side of live scanning: an `AVCaptureVideoDataOutput` whose sample buffer
/// delegate hands the luma (Y) plane of every frame to the core's `LiveScanner`
/// (`session.submitFrame`, see `LiveScan` in Streams/). The counterpart of the CameraX
/// analyzer on Android ("keep only latest" there, `alwaysDiscardsLateVideoFrames` here).
///
///     let scan = try client.scanner().liveScan()
///     let camera = LiveScanCamera(scanner: scan.session) { error in showProblem(error) }
///     try camera.attach(to: captureSession)            // before startRunning()
///     camera.setScanWindow(overlayFrame, in: previewLayer)  // main actor, on every layout
///     for await event in scan.events { show(event) }
///
/// Frames: bi-planar 4:2:0 ('420f' full range preferred, '420v' video range accepted); plane 0
/// is the Y plane the core decodes, `CVPixelBufferGetBytesPerRowOfPlane` its row stride (rows
/// are padded, so the stride is passed, never assumed to be the width). Any other format (a
/// session configured elsewhere for BGRA or 10-bit) is not decoded: the error handler gets
/// `CompanionError.InvalidFrame(field: "format", ...)`, the core's own error for a frame
/// it cannot read, once per format, and the frame is skipped. Nothing here traps.
///
/// Rotation: the buffers are left in the sensor's orientation (rotating them would cost a copy
/// of every frame); the core is told how far to turn them to be upright: the preview
/// connection's angle (`videoRotationAngle` on iOS 17, `videoOrientation` before) minus the
/// angle the data output's own connection already applies (0 unless someone rotated it).
///
/// Region of interest: the on-screen scan window (a rect in the preview layer), converted with
/// `metadataOutputRectConverted(fromLayerRect:)` to the sensor's normalised coordinates and,
/// per frame, to upright pixel coordinates of that frame, which is what `RegionOfInterest`
/// means. Only that window is copied and decoded by the core.
public final class LiveScanCamera: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
    /// The output to add to the capture session (`attach(to:)` does it).
    public let output = AVCaptureVideoDataOutput()

    private let scanner: LiveScanner
    private let onError: @Sendable (CompanionError) -> Void
    private let queue = DispatchQueue(label: "app.companion.live-scan-camera", qos: .userInitiated)

    /// Set on the main actor, read on `queue`.
    private let lock = NSLock()
    private var window: CGRect?
    private var uprightDegrees = 90
    private var reportedFormats: Set<OSType> = []

    /// `onError` is called on the capture queue with what a frame could not be handed over
    /// for (`InvalidFrame` for an unsupported format, or what `submitFrame` threw).
    public init(scanner: LiveScanner, onError: @escaping @Sendable (CompanionError) -> Void) {
        self.scanner = scanner
        self.onError = onError
        super.init()
        output.alwaysDiscardsLateVideoFrames = true
        let available = output.availableVideoPixelFormatTypes
        let format = available.contains(kCVPixelFormatType_420YpCbCr8BiPlanarFullRange)
            ? kCVPixelFormatType_420YpCbCr8BiPlanarFullRange
            : kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: format]
        output.setSampleBufferDelegate(self, queue: queue)
    }

    /// Adds the output to `session` (call inside `beginConfiguration` / `commitConfiguration`
    /// or before `startRunning`). Throws `InvalidInput` if the session refuses it.
    public func attach(to session: AVCaptureSession) throws {
        guard session.canAddOutput(output) else {
            throw CompanionError.InvalidInput(field: "session", detail: "the capture session cannot take a video data output")
        }
        session.addOutput(output)
    }

    /// Stops handing frames over (the session itself is the screen's to stop).
    public func detach(from session: AVCaptureSession) {
        output.setSampleBufferDelegate(nil, queue: nil)
        session.removeOutput(output)
    }

    /// The scan window: `layerRect` in `previewLayer`'s coordinates (the overlay's frame), or
    /// `nil` for the whole frame. Call after layout and on every rotation: it also takes the
    /// preview's current rotation.
    @MainActor
    public func setScanWindow(_ layerRect: CGRect?, in previewLayer: AVCaptureVideoPreviewLayer) {
        let normalised = layerRect.map { previewLayer.metadataOutputRectConverted(fromLayerRect: $0) }
        let upright = previewLayer.connection.map { LiveScanCamera.degrees(of: $0) } ?? 90
        lock.lock()
        window = normalised
        uprightDegrees = upright
        lock.unlock()
    }

    // MARK: AVCaptureVideoDataOutputSampleBufferDelegate (on `queue`)

    public func captureOutput(
        _ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection
    ) {
        guard let pixelBuffer = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        lock.lock()
        let normalised = window
        let upright = uprightDegrees
        lock.unlock()
        let rotation = ((upright - LiveScanCamera.degrees(of: connection)) % 360 + 360) % 360
        do {
            try submit(pixelBuffer, rotation: rotation, normalisedWindow: normalised)
        } catch let error as CompanionError {
            onError(error)
        } catch {
            onError(CompanionError.InvalidFrame(field: "frame", detail: "\(error)"))
        }
    }

    /// Hands plane 0 to the core while the buffer is locked; unlocks on every path (`defer`).
    private func submit(_ pixelBuffer: CVPixelBuffer, rotation: Int, normalisedWindow: CGRect?) throws {
        let format = CVPixelBufferGetPixelFormatType(pixelBuffer)
        guard format == kCVPixelFormatType_420YpCbCr8BiPlanarFullRange
            || format == kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange,
            CVPixelBufferGetPlaneCount(pixelBuffer) >= 2
        else {
            try rejectFormat(format)
            return
        }
        guard CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly) == kCVReturnSuccess else {
            throw CompanionError.InvalidFrame(field: "data", detail: "the pixel buffer could not be locked")
        }
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0) else {
            throw CompanionError.InvalidFrame(field: "data", detail: "plane 0 has no base address")
        }
        let width = CVPixelBufferGetWidthOfPlane(pixelBuffer, 0)
        let height = CVPixelBufferGetHeightOfPlane(pixelBuffer, 0)
        let rowStride = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0)
        // No copy: `data` points into the locked buffer. That is safe because the generated
        // `submitFrame` lends the bytes to Rust as a borrowed slice for the duration of the
        // call only (uniffi's by-reference bytes: `Data.withUnsafeBytes` around the FFI call),
        // and the core copies the scan window out of it before returning (`submitFrame`'s
        // doc: "the scan window is copied"); it keeps no pointer. `data` does not outlive
        // this function, so nobody reads the buffer after the `defer` unlocks it.
        let data = Data(bytesNoCopy: base, count: rowStride * height, deallocator: .none)
        let roi = normalisedWindow.flatMap {
            LiveScanCamera.uprightRegion($0, width: width, height: height, rotation: rotation)
        }
        try scanner.submitFrame(
            data: data, width: UInt32(width), height: UInt32(height), rowStride: UInt32(rowStride),
            rotationDegrees: Int32(rotation), roi: roi)
    }

    /// An unsupported format is reported once (every frame would repeat it), then skipped.
    private func rejectFormat(_ format: OSType) throws {
        lock.lock()
        let first = reportedFormats.insert(format).inserted
        lock.unlock()
        guard first else { return }
        throw CompanionError.InvalidFrame(
            field: "format",
            detail: "pixel format \(LiveScanCamera.fourCC(format)) is not bi-planar 4:2:0 ('420f' or '420v')")
    }

    /// The degrees a connection turns video clockwise: `videoRotationAngle` on iOS 17, else
    /// the same angle from `videoOrientation` (portrait is 90, landscape right 0).
    static func degrees(of connection: AVCaptureConnection) -> Int {
        if #available(iOS 17.0, *) {
            return Int(connection.videoRotationAngle.rounded())
        }
        switch connection.videoOrientation {
        case .portrait: return 90
        case .landscapeRight: return 0
        case .portraitUpsideDown: return 270
        case .landscapeLeft: return 180
        @unknown default: return 90
        }
    }

    /// A window in normalised sensor coordinates (origin top left of the unrotated buffer) as
    /// upright pixel coordinates of a `width` × `height` buffer turned `rotation` degrees
    /// clockwise, clamped to the frame; `nil` if nothing of it is inside.
    static func uprightRegion(_ window: CGRect, width: Int, height: Int, rotation: Int) -> RegionOfInterest? {
        let w = Double(width)
        let h = Double(height)
        let left = max(0, min(w, Double(window.minX) * w))
        let right = max(0, min(w, Double(window.maxX) * w))
        let top = max(0, min(h, Double(window.minY) * h))
        let bottom = max(0, min(h, Double(window.maxY) * h))
        guard right - left >= 1, bottom - top >= 1 else { return nil }
        // Sensor (x, y) appears upright at: 90 -> (h - y, x), 180 -> (w - x, h - y),
        // 270 -> (y, w - x), as the core's FrameRotation defines it.
        let rect: (Double, Double, Double, Double)
        switch rotation {
        case 90: rect = (h - bottom, left, bottom - top, right - left)
        case 180: rect = (w - right, h - bottom, right - left, bottom - top)
        case 270: rect = (top, w - right, bottom - top, right - left)
        default: rect = (left, top, right - left, bottom - top)
        }
        return RegionOfInterest(
            left: UInt32(rect.0.rounded(.down)), top: UInt32(rect.1.rounded(.down)),
            width: UInt32(rect.2.rounded(.down)), height: UInt32(rect.3.rounded(.down)))
    }

    private static func fourCC(_ format: OSType) -> String {
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: format >> $0) }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }
}
