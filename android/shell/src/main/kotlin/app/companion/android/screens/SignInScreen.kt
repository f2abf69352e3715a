package app.companion.android.screens

import android.content.Context
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import app.companion.CompanionClient
import app.companion.CompanionException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * Signing in: user name, password, and the problem when it fails. Success needs no handling
 * here: the session stream switches the app to the signed-in screens ([AppScreens]).
 */
class SignInScreen(context: Context, private val client: CompanionClient, private val scope: CoroutineScope) : LinearLayout(context) {
    val username: EditText = context.field("User name", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_NORMAL)
    val password: EditText = context.field("Password", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD)
    val signInButton = Button(context).apply { text = "Sign in" }
    val problem = ProblemView(context)

    private var signingIn: Job? = null

    init {
        screen()
        add(context.title("Companion"), 0)
        add(username, 24)
        add(password)
        add(problem)
        add(signInButton, 16)
        signInButton.setOnClickListener { signIn() }
    }

    fun signIn() {
        if (signingIn?.isActive == true) return
        val user = username.text.toString().trim()
        val secret = password.text.toString()
        if (user.isEmpty() || secret.isEmpty()) {
            showProblem(Problem("Type your user name and password."))
            return
        }
        showProblem(null)
        signInButton.isEnabled = false
        signInButton.text = "Signing in…"
        signingIn =
            scope.launch {
                try {
                    client.signIn(user, secret)
                    password.setText("")
                } catch (e: CompanionException) {
                    showProblem(problemOf(e))
                } finally {
                    signInButton.isEnabled = true
                    signInButton.text = "Sign in"
                }
            }
    }

    fun showProblem(problem: Problem?) {
        this.problem.show(problem) { signIn() }
    }

    private fun problemOf(e: CompanionException): Problem =
        if (e is CompanionException.Unauthorized) {
            // On this screen it can only be the credentials.
            Problem("The user name or password was not accepted. Check both and try again.")
        } else {
            Problem.of(e)
        }
}
