package app.companion.android.screens

import android.content.Context
import android.graphics.Color
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import app.companion.CompanionException

/**
 * A failed call as the user reads it: what happened and what to do, whether trying the same
 * again may help (the core's `isRetryable()`), and the field to highlight (`InvalidInput`).
 * Every screen shows a [CompanionException] only through this, so the same error reads the same
 * everywhere (the wording matches the iOS app's Problem).
 */
class Problem(val message: String, val retryable: Boolean = false, val field: String? = null) {
    companion object {
        private fun count(n: Long, thing: String) = if (n == 1L) "1 $thing" else "$n ${thing}s"

        fun of(error: Throwable): Problem =
            if (error is CompanionException) {
                Problem(message(error), error.isRetryable(), (error as? CompanionException.InvalidInput)?.field)
            } else {
                Problem(error.message ?: error.toString())
            }

        fun message(error: CompanionException): String =
            when (error) {
                is CompanionException.Offline -> "No connection. Your work is kept on this phone and sent when you are back online."
                is CompanionException.Unauthorized -> "Sign in again: the user name or password was not accepted, or the session ended."
                is CompanionException.NotSignedIn -> "Sign in first."
                is CompanionException.InvalidInput -> "Check ${error.field}: ${error.detail}"
                is CompanionException.InvalidFrame -> "The camera image could not be read (${error.detail}). Type the code instead."
                is CompanionException.InvalidGs1 -> "That code is not valid GS1 data: ${error.detail}"
                is CompanionException.NotFound -> "Not found on this phone: ${error.detail}. Sync, then try again."
                is CompanionException.Conflict -> "This changed in the meantime: ${error.detail}. Refresh and try again."
                is CompanionException.PendingWork ->
                    "${count(error.movements, "stock movement")} and ${count(error.otherChanges, "other change")} are not sent yet. " +
                        "Sync them first, or discard them."
                is CompanionException.Server -> {
                    val wait = error.retryAfterMs?.let { " Try again in ${maxOf(1L, it / 1000)} s." } ?: ""
                    "The server refused (${error.status} ${error.code}): ${error.detail}.$wait"
                }
                is CompanionException.Protocol -> "The server gave an answer this app cannot read. Try later, or update the app."
                is CompanionException.Storage ->
                    if (error.corrupt) {
                        "The data on this phone is damaged. Sign out with the data removed, then sign in and sync again."
                    } else {
                        "The phone's storage failed (${error.detail}). Free some space and try again."
                    }
                is CompanionException.Platform -> "${error.service} failed: ${error.detail}"
                is CompanionException.Cancelled -> "Stopped. It resumes where it stopped next time."
                is CompanionException.Internal -> "Something went wrong inside the app; please report it: ${error.detail}"
            }
    }
}

/** A problem in red, with "Try again" when trying again may help; gone while there is none. */
class ProblemView(context: Context) : LinearLayout(context) {
    val text = TextView(context).apply { setTextColor(PROBLEM_RED); textSize = 15f }
    val retry = Button(context).apply { text = "Try again" }

    init {
        orientation = VERTICAL
        addView(text)
        addView(retry, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        show(null)
    }

    fun show(problem: Problem?, onRetry: (() -> Unit)? = null) {
        visibility = if (problem == null) View.GONE else View.VISIBLE
        text.text = problem?.message ?: ""
        retry.visibility = if (problem?.retryable == true && onRetry != null) View.VISIBLE else View.GONE
        retry.setOnClickListener { onRetry?.invoke() }
    }

    companion object {
        val PROBLEM_RED = Color.rgb(0xC6, 0x28, 0x28)
    }
}
