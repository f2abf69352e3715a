import AVFoundation
import CoreLocation

/// What the app needs a runtime permission for. Each feature asks when the user starts it
/// (tapping "Scan", signing a delivery), never at launch, and location is only ever "when in
/// use": Companion records where a delivery was signed while the app is on screen, nothing more.
/// Info.plist needs NSCameraUsageDescription and NSLocationWhenInUseUsageDescription, and no
/// "Always" location key.
public enum DeviceFeature {
    /// Scanning pallet labels and lot barcodes with the camera.
    case barcodeScan
    /// Stamping a proof of delivery with the place it was signed.
    case deliveryLocation
}

public enum PermissionOutcome {
    case granted
    /// Refused; only the Settings app can grant it now (iOS asks once per feature).
    case denied
}

/// Asks for a feature's permission at the point of use. Call on the main thread.
public final class PointOfUsePermissions: NSObject, CLLocationManagerDelegate {
    private let locationManager = CLLocationManager()
    private var waitingForLocation: [(PermissionOutcome) -> Void] = []

    public override init() {
        super.init()
        locationManager.delegate = self
    }

    public func request(_ feature: DeviceFeature, onOutcome: @escaping (PermissionOutcome) -> Void) {
        switch feature {
        case .barcodeScan:
            switch AVCaptureDevice.authorizationStatus(for: .video) {
            case .authorized: onOutcome(.granted)
            case .notDetermined:
                AVCaptureDevice.requestAccess(for: .video) { granted in
                    DispatchQueue.main.async { onOutcome(granted ? .granted : .denied) }
                }
            default: onOutcome(.denied)
            }
        case .deliveryLocation:
            switch locationManager.authorizationStatus {
            case .authorizedWhenInUse, .authorizedAlways: onOutcome(.granted)
            case .notDetermined:
                waitingForLocation.append(onOutcome)
                // When-in-use only: never requestAlwaysAuthorization.
                locationManager.requestWhenInUseAuthorization()
            default: onOutcome(.denied)
            }
        }
    }

    public func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        let status = manager.authorizationStatus
        guard status != .notDetermined else { return }
        let outcome: PermissionOutcome =
            (status == .authorizedWhenInUse || status == .authorizedAlways) ? .granted : .denied
        let waiting = waitingForLocation
        waitingForLocation.removeAll()
        waiting.forEach { $0(outcome) }
    }
}
