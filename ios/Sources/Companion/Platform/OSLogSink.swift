import Foundation
import os

/// Sends the core's tracing output to the unified log (Console.app, `log stream`), one
/// category per Rust module. The core never logs tokens, so lines are marked public.
public final class OSLogSink: LogSink, @unchecked Sendable {
    private let subsystem: String
    private var loggers: [String: Logger] = [:]
    private let lock = NSLock()

    public init(subsystem: String = Bundle.main.bundleIdentifier ?? "app.companion") {
        self.subsystem = subsystem
    }

    public func log(record: LogRecord) {
        let logger = self.logger(for: record.target)
        switch record.level {
        case .error: logger.error("\(record.line, privacy: .public)")
        case .warn: logger.warning("\(record.line, privacy: .public)")
        case .info: logger.info("\(record.line, privacy: .public)")
        case .debug, .trace: logger.debug("\(record.line, privacy: .public)")
        }
    }

    private func logger(for target: String) -> Logger {
        lock.lock()
        defer { lock.unlock() }
        if let existing = loggers[target] { return existing }
        let created = Logger(subsystem: subsystem, category: target)
        loggers[target] = created
        return created
    }
}
