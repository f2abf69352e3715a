package app.companion.android.screens

import android.content.Context
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import app.companion.AccountData
import app.companion.CompanionException
import app.companion.core.DeletionOutcome
import app.companion.core.PendingChoice
import app.companion.deletionPhrase
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * The user's profile and the deletion of the account: the phrase typed and the password
 * entered again, as the core requires. With unsent work the core refuses with `PendingWork`
 * and its counts; the user then chooses to sync it first or to discard it, and the request
 * is made again with that choice. Accepted, the phone is wiped and signed out (the session
 * stream takes the app to sign-in); offline, the request is queued and sent later.
 */
class ProfileScreen(
    context: Context,
    private val account: AccountData,
    private val scope: CoroutineScope,
    /** What must be typed: the core's `deletionPhrase()`. */
    private val requiredPhrase: String = deletionPhrase(),
) : LinearLayout(context) {
    val profile: TextView = context.label(size = 16f, color = android.graphics.Color.BLACK)
    val phrase: EditText = context.field("Type $requiredPhrase")
    val password: EditText = context.field("Password", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD)
    val deleteButton = Button(context).apply { text = "Delete my account" }
    val problem = ProblemView(context)

    /** Shown when the core reports unsent work: the counts, then Sync or Discard. */
    val pendingChoice = LinearLayout(context).apply { orientation = VERTICAL }
    val syncFirstButton = Button(context).apply { text = "Sync, then delete" }
    val discardButton = Button(context).apply { text = "Discard and delete" }
    val outcome: TextView = context.label(size = 15f)

    private var deleting: Job? = null

    init {
        screen()
        val form = LinearLayout(context).apply { orientation = VERTICAL }
        form.add(context.title("Profile"), 0)
        form.add(profile, 8)
        form.add(context.label("Delete account", size = 18f, color = android.graphics.Color.BLACK), 32)
        form.add(context.label("Your account is deleted for good after a grace period; until then you can sign in again and cancel the deletion.", size = 14f), 4)
        form.add(phrase)
        form.add(password)
        form.add(problem)
        pendingChoice.addView(syncFirstButton)
        pendingChoice.addView(discardButton)
        form.add(pendingChoice)
        form.add(deleteButton, 16)
        form.add(outcome)
        addView(ScrollView(context).apply { addView(form) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        pendingChoice.visibility = View.GONE
        deleteButton.setOnClickListener { delete(PendingChoice.ASK) }
        syncFirstButton.setOnClickListener { delete(PendingChoice.SYNC) }
        discardButton.setOnClickListener { delete(PendingChoice.DISCARD) }
        scope.launch {
            try {
                val view = account.profile()
                val p = view.profile
                profile.text =
                    listOf(p.displayName, p.username, p.jobTitle, p.phone).filter { it.isNotBlank() }.joinToString("\n") +
                    if (view.pendingSync) "\n(changes not sent yet)" else ""
            } catch (e: CompanionException) {
                problem.show(Problem.of(e))
            }
        }
    }

    /** The core's PendingWork: its counts, and Sync or Discard in place of "Delete my account". */
    fun showPendingWork(counts: Problem) {
        problem.show(counts)
        pendingChoice.visibility = View.VISIBLE
        deleteButton.visibility = View.GONE
    }

    fun delete(choice: PendingChoice) {
        if (deleting?.isActive == true) return
        problem.show(null)
        pendingChoice.visibility = View.GONE
        deleteButton.visibility = View.VISIBLE
        deleteButton.isEnabled = false
        deleting =
            scope.launch {
                try {
                    when (val result = account.requestDeletion(password.text.toString(), phrase.text.toString().trim(), choice)) {
                        is DeletionOutcome.Accepted -> outcome.text = "Your account is deleted from this phone."
                        is DeletionOutcome.Queued -> outcome.text = "No connection: the deletion is sent when this phone is back online."
                    }
                } catch (e: CompanionException.PendingWork) {
                    showPendingWork(Problem.of(e))
                } catch (e: CompanionException) {
                    val shown = Problem.of(e)
                    problem.show(shown)
                    when (shown.field) {
                        "confirmation" -> phrase.error = "Type $requiredPhrase exactly"
                        "password" -> password.error = "Not accepted"
                    }
                } finally {
                    deleteButton.isEnabled = true
                }
            }
    }
}
