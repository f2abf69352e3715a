import Companion
import SwiftUI

/// A failed call as the user reads it: what happened and what to do, whether trying the same
/// again may help (the core's `isRetryable()`), and the input field to highlight. Screens show
/// `CompanionError` only through this, so every screen words the same error the same way.
struct Problem: Equatable {
    let message: String
    let retryable: Bool
    /// `InvalidInput`'s field (the record field the core refused), for highlighting.
    let field: String?

    init(_ error: Error) {
        guard let error = error as? CompanionError else {
            message = error.localizedDescription
            retryable = false
            field = nil
            return
        }
        retryable = error.isRetryable()
        switch error {
        case .InvalidInput(let field, _):
            self.field = field
        default:
            self.field = nil
        }
        message = Problem.message(for: error)
    }

    init(message: String) {
        self.message = message
        retryable = false
        field = nil
    }

    private static func message(for error: CompanionError) -> String {
        switch error {
        case .Offline:
            return "No connection. Your work is kept on this phone and sent when you are back online."
        case .Unauthorized:
            return "Sign in again: the user name or password was not accepted, or the session ended."
        case .NotSignedIn:
            return "Sign in first."
        case .InvalidInput(let field, let detail):
            return "Check \(field): \(detail)"
        case .InvalidFrame(_, let detail):
            return "The camera image could not be read (\(detail)). Type the code instead."
        case .InvalidGs1(let detail):
            return "That code is not valid GS1 data: \(detail)"
        case .NotFound(let detail):
            return "Not found on this phone: \(detail). Sync, then try again."
        case .Conflict(let detail):
            return "This changed in the meantime: \(detail). Refresh and try again."
        case .PendingWork(let movements, let otherChanges, _):
            return "\(movements) stock movements and \(otherChanges) other changes are not sent yet. Sync them first, or discard them."
        case .Server(let status, let code, let detail, let retryAfterMs):
            let wait = retryAfterMs.map { " Try again in \(max(1, $0 / 1000)) s." } ?? ""
            return "The server refused (\(status) \(code)): \(detail).\(wait)"
        case .Protocol:
            return "The server gave an answer this app cannot read. Try later, or update the app."
        case .Storage(let detail, let corrupt):
            return corrupt
                ? "The data on this phone is damaged. Sign out with the data removed, then sign in and sync again."
                : "The phone's storage failed (\(detail)). Free some space and try again."
        case .Platform(let service, let detail):
            return "\(service) failed: \(detail)"
        case .Cancelled:
            return "Stopped. It resumes where it stopped next time."
        case .Internal(let detail):
            return "Something went wrong inside the app; please report it: \(detail)"
        }
    }
}

/// A problem in red with a "Try again" button when trying again may help.
struct ProblemView: View {
    let problem: Problem
    let retry: (() -> Void)?

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Label(problem.message, systemImage: "exclamationmark.triangle")
                .foregroundColor(.red)
            if problem.retryable, let retry {
                Button("Try again", action: retry)
            }
        }
    }
}
