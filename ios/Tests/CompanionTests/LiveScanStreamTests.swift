import XCTest
import Companion

/// (d) Live-scan results as an AsyncStream, fed with the repository's dev frames as a camera's
/// luma plane; the Swift twin of ScanFramesTest's live-scan tests. Needs no server.
final class LiveScanStreamTests: XCTestCase {
    override func setUp() {
        continueAfterFailure = false
        executionTimeAllowance = 120
    }

    func testLiveScanResultsArriveAsAnAsyncStream() async throws {
        let name = "dev_0004.png"
        let forms = try XCTUnwrap(try TestFrames.expectedTexts(name).first)
        let frame = try TestFrames.luma(name)
        let scanner = Scanner.standalone()
        let options = ScanOptions(formats: scanner.defaultOptions().formats, strategy: .live, budgetMs: 5000)
        let config = LiveScanConfig(options: options, confirmFrames: 2, confirmWindowFrames: 3, repeatSuppressionMs: 60_000)

        let scan = try scanner.liveScan(config: config)
        var events = scan.events.makeAsyncIterator()
        for _ in 0..<2 {
            try scan.session.submitFrame(
                data: frame.data, width: frame.width, height: frame.height, rowStride: frame.width,
                rotationDegrees: 0, roi: nil)
            XCTAssertTrue(scan.session.waitIdle(timeoutMs: 60_000))
        }
        // XCTest's assertions take autoclosures, which cannot await: values are awaited first.
        let confirmed = await events.next()
        let event = try XCTUnwrap(confirmed, "two frames confirm the code")
        XCTAssertTrue(forms.contains(event.code.text), "\(event.code.text) not in \(forms)")
        XCTAssertNil(event.item, "a standalone scanner looks nothing up")
        XCTAssertEqual(scan.session.stats().codesReported, 1)

        // A buffer shorter than the frame is a typed error, not a crash.
        XCTAssertThrowsError(try scan.session.submitFrame(
            data: Data(count: 100), width: frame.width, height: frame.height, rowStride: frame.width,
            rotationDegrees: 0, roi: nil)) { error in
            guard case CompanionError.InvalidFrame(let field, _) = error else {
                return XCTFail("expected InvalidFrame, got \(error)")
            }
            XCTAssertEqual(field, "data")
        }

        scan.stop()
        let after = await events.next()
        XCTAssertNil(after, "stop() finishes the stream")
    }
}
