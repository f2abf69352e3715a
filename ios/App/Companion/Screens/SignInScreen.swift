import Companion
import SwiftUI

/// Signing in. The session stream (AppModel) switches to the signed-in tabs when it succeeds,
/// so the model only holds the form and the problem.
@MainActor
final class SignInModel: ObservableObject {
    @Published var username = ""
    @Published var password = ""
    @Published private(set) var signingIn = false
    @Published private(set) var problem: Problem?

    private let client: CompanionClient

    init(client: CompanionClient) {
        self.client = client
    }

    var canSubmit: Bool {
        !signingIn && !username.isEmpty && !password.isEmpty
    }

    func signIn() async {
        signingIn = true
        problem = nil
        defer { signingIn = false }
        do {
            _ = try await client.signIn(username: username, password: password)
            password = ""
        } catch {
            problem = Problem(error)
        }
    }
}

@MainActor
struct SignInScreen: View {
    @StateObject private var model: SignInModel

    init(client: CompanionClient) {
        _model = StateObject(wrappedValue: SignInModel(client: client))
    }

    var body: some View {
        NavigationView {
            Form {
                Section {
                    TextField("User name", text: $model.username)
                        .textContentType(.username)
                        .textInputAutocapitalization(.never)
                        .disableAutocorrection(true)
                    SecureField("Password", text: $model.password)
                        .textContentType(.password)
                }
                if let problem = model.problem {
                    Section { ProblemView(problem: problem, retry: { Task { await model.signIn() } }) }
                }
                Section {
                    Button {
                        Task { await model.signIn() }
                    } label: {
                        if model.signingIn { ProgressView() } else { Text("Sign in") }
                    }
                    .disabled(!model.canSubmit)
                }
            }
            .navigationTitle("Companion")
        }
        .navigationViewStyle(.stack)
    }
}
