import Foundation
import XCTest
import Companion

/// `ApnsToken`: the device token as the hex the core accepts, and the APNs environment read
/// from a provisioning profile's entitlements. No server needed.
final class ApnsTokenTests: XCTestCase {
    func testTokenIsLowerCaseHexOfEveryByte() {
        let token = Data([0x00, 0x0f, 0xa0, 0xff])
        XCTAssertEqual(ApnsToken.hex(token), "000fa0ff")
    }

    func testDevelopmentProfileMeansSandbox() {
        XCTAssertEqual(ApnsToken.environment(provisioningProfile: profile(aps: "development")), .sandbox)
    }

    func testProductionProfileMeansProduction() {
        XCTAssertEqual(ApnsToken.environment(provisioningProfile: profile(aps: "production")), .production)
    }

    func testProfileWithoutPushOrUnreadableMeansProduction() {
        XCTAssertEqual(ApnsToken.environment(provisioningProfile: profile(aps: nil)), .production)
        XCTAssertEqual(ApnsToken.environment(provisioningProfile: Data([0x30, 0x82, 0x01])), .production)
    }

    /// A profile as Apple ships it: the plist wrapped in CMS bytes before and after.
    private func profile(aps: String?) -> Data {
        let entitlement = aps.map { "<key>aps-environment</key><string>\($0)</string>" } ?? ""
        let plist = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0"><dict><key>Name</key><string>Companion Dev</string>
            <key>Entitlements</key><dict>\(entitlement)<key>get-task-allow</key><true/></dict></dict></plist>
            """
        var data = Data([0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48])
        data.append(Data(plist.utf8))
        data.append(Data([0x00, 0x00, 0xa0, 0x82]))
        return data
    }
}
