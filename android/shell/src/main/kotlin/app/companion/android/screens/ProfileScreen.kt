package app.companion.android.screens

import android.content.Context
import android.content.Intent
import android.text.InputType
import android.view.View
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import app.companion.AccountData
import app.companion.CompanionException
import app.companion.android.ExportShareProvider
import app.companion.core.DeletionOutcome
import app.companion.core.PendingChoice
import app.companion.core.ExportPhase
import app.companion.core.ExportFile
import app.companion.core.ExportProgress
import app.companion.core.ProfileView
import app.companion.deletionPhrase
import app.companion.flows.exportProgressFlow
import app.companion.wire.ProfileUpdate
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * The user's profile, its correction ("Edit": name, phone, job title through the core's
 * `updateProfile`, which works offline and is sent by `sync`), the export of the user's data
 * (with its progress from `exportProgressFlow`), offered before the deletion of the account:
 * the phrase typed and the password entered again, as the core requires. With unsent work the core refuses with `PendingWork`
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
    val editButton = Button(context).apply { text = "Edit" }

    /** The correction form, shown by "Edit". */
    val editForm = LinearLayout(context).apply { orientation = VERTICAL }
    val displayName: EditText = context.field("Name", InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME)
    val phone: EditText = context.field("Phone", InputType.TYPE_CLASS_PHONE)
    val jobTitle: EditText = context.field("Job title")
    val saveButton = Button(context).apply { text = "Save" }
    val cancelEditButton = Button(context).apply { text = "Cancel" }
    val editProblem = ProblemView(context)

    val exportButton = Button(context).apply { text = "Export my data" }
    val cancelExportButton = Button(context).apply { text = "Stop" }
    val shareButton = Button(context).apply { text = "Share" }
    val exportBar = DownloadProgressBar(context)
    val exportText: TextView = context.label(size = 14f)

    /** The last export progress shown. */
    var exportProgress: ExportProgress? = null
        private set

    /** The profile as last shown. */
    var view: ProfileView? = null
        private set

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
    private var saving: Job? = null
    private var exporting: Job? = null

    init {
        screen()
        val form = LinearLayout(context).apply { orientation = VERTICAL }
        form.add(context.title("Profile"), 0)
        form.add(profile, 8)
        form.addView(editButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        // Labels above the fields: a filled field no longer shows its hint.
        editForm.add(context.label("Name", size = 13f), 0)
        editForm.add(displayName, 0)
        editForm.add(context.label("Phone", size = 13f), 8)
        editForm.add(phone, 0)
        editForm.add(context.label("Job title", size = 13f), 8)
        editForm.add(jobTitle, 0)
        editForm.add(editProblem)
        editForm.add(
            LinearLayout(context).apply {
                orientation = HORIZONTAL
                addView(saveButton)
                addView(cancelEditButton)
            },
        )
        form.add(editForm, 4)
        form.add(context.label("My data", size = 18f, color = android.graphics.Color.BLACK), 24)
        form.add(context.label("Download a copy of everything the server holds about you. Do it before you delete the account.", size = 14f), 4)
        form.add(exportBar, 8)
        form.add(exportText, 4)
        form.add(
            LinearLayout(context).apply {
                orientation = HORIZONTAL
                addView(exportButton)
                addView(cancelExportButton)
                addView(shareButton)
            },
        )
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
        editForm.visibility = View.GONE
        editButton.isEnabled = false
        exportBar.visibility = View.GONE
        cancelExportButton.visibility = View.GONE
        shareButton.visibility = View.GONE
        editButton.setOnClickListener { startEditing() }
        cancelEditButton.setOnClickListener { stopEditing() }
        saveButton.setOnClickListener { save() }
        exportButton.setOnClickListener { export() }
        cancelExportButton.setOnClickListener { exporting?.cancel() }
        shareButton.setOnClickListener { share() }
        scope.launch {
            try {
                showProfile(account.profile())
            } catch (e: CompanionException) {
                problem.show(Problem.of(e))
            }
        }
        scope.launch {
            account.exportProgressFlow()
                .catch { if (it !is CompanionException.NotSignedIn) throw it }
                .collect { showExport(it) }
        }
    }

    fun showProfile(view: ProfileView) {
        this.view = view
        val p = view.profile
        profile.text =
            listOf(p.displayName, p.username, p.jobTitle, p.phone).filter { it.isNotBlank() }.joinToString("\n") +
            if (view.pendingSync) "\n(changes saved on this phone, sent when online)" else ""
        editButton.isEnabled = true
    }

    /** The form, filled with the profile as shown. */
    fun startEditing() {
        val p = view?.profile ?: return
        displayName.setText(p.displayName)
        phone.setText(p.phone)
        jobTitle.setText(p.jobTitle)
        editProblem.show(null)
        editForm.visibility = View.VISIBLE
        editButton.visibility = View.GONE
    }

    private fun stopEditing() {
        editForm.visibility = View.GONE
        editButton.visibility = View.VISIBLE
        listOf(displayName, phone, jobTitle).forEach { it.error = null }
    }

    /**
     * Sends only what changed (absent fields keep their value on the server); the core keeps
     * the edit offline and `sync` sends it now when it can.
     */
    fun save() {
        val before = view?.profile ?: return
        if (saving?.isActive == true) return
        fun changed(field: EditText, old: String) = field.text.toString().trim().takeIf { it != old }
        val update = ProfileUpdate(changed(displayName, before.displayName), changed(phone, before.phone), changed(jobTitle, before.jobTitle))
        if (update == ProfileUpdate()) {
            stopEditing()
            return
        }
        editProblem.show(null)
        saveButton.isEnabled = false
        saving =
            scope.launch {
                try {
                    showProfile(account.updateProfile(update))
                    stopEditing()
                    try {
                        account.sync()
                        showProfile(account.profile())
                    } catch (e: CompanionException) {
                        // Saved on the phone either way; the profile line says it is not sent yet.
                        if (!e.isRetryable()) problem.show(Problem.of(e))
                    }
                } catch (e: CompanionException) {
                    val shown = Problem.of(e)
                    editProblem.show(shown)
                    when (shown.field) {
                        "display_name", "displayName" -> displayName.error = shown.message
                        "phone" -> phone.error = shown.message
                        "job_title", "jobTitle" -> jobTitle.error = shown.message
                    }
                } finally {
                    saveButton.isEnabled = true
                }
            }
    }

    /**
     * Runs the export (resumed where an earlier one stopped); its progress comes from the
     * core's stream. "Stop" cancels between two chunks; the next export resumes.
     */
    fun export() {
        if (exporting?.isActive == true) return
        problem.show(null)
        exportButton.isEnabled = false
        cancelExportButton.visibility = View.VISIBLE
        exporting =
            scope.launch {
                try {
                    val file = account.exportData(null)
                    exported = file
                    shareButton.visibility = View.VISIBLE
                    exportText.text = "Your data is ready on this phone: ${kilobytes(file.bytes)}, checked against the server's copy."
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e)) { export() }
                } finally {
                    exportButton.isEnabled = true
                    cancelExportButton.visibility = View.GONE
                }
            }
        exporting?.invokeOnCompletion { cause ->
            if (cause is kotlinx.coroutines.CancellationException) exportText.text = "Stopped. Export again to resume where it stopped."
        }
    }

    /** The export the last "Export my data" finished, which "Share" offers. */
    var exported: ExportFile? = null
        private set

    /**
     * Offers the finished export to an app of the user's choice: the core decrypts a plain
     * copy, [ExportShareProvider] lends it read-only through the share Intent's grant.
     */
    fun share() {
        val file = exported ?: return
        problem.show(null)
        scope.launch {
            try {
                val shared = account.shareExport(file.exportId)
                val uri = ExportShareProvider.offer(context, shared)
                val send =
                    Intent(Intent.ACTION_SEND)
                        .setType(ExportShareProvider.ZIP)
                        .putExtra(Intent.EXTRA_STREAM, uri)
                        .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
                context.startActivity(Intent.createChooser(send, "Share your data"))
            } catch (e: CompanionException) {
                problem.show(Problem.of(e)) { share() }
            }
        }
    }

    /** Leaving the profile ends the offer and removes the plain copy. */
    override fun onDetachedFromWindow() {
        super.onDetachedFromWindow()
        ExportShareProvider.withdraw()
        scope.launch {
            try {
                account.finishSharing()
            } catch (e: CompanionException) {
                // Signed out meanwhile: the copy went with the account; else the core's next
                // start removes it.
            }
        }
    }

    fun showExport(progress: ExportProgress) {
        exportProgress = progress
        val total = progress.bytesTotal
        exportBar.visibility = if (progress.phase == ExportPhase.IDLE) View.GONE else View.VISIBLE
        exportBar.fraction =
            when {
                progress.phase == ExportPhase.READY -> 1f
                total != null && total > 0 -> progress.bytesDone.toFloat() / total
                else -> 0f
            }
        val text =
            when (progress.phase) {
                ExportPhase.IDLE -> null
                ExportPhase.REQUESTING -> "Asking the server for your data…"
                ExportPhase.BUILDING -> "The server is putting your data together…"
                ExportPhase.DOWNLOADING ->
                    "Downloading: ${kilobytes(progress.bytesDone)}" + (total?.let { " of ${kilobytes(it)}" } ?: "")
                ExportPhase.VERIFYING -> "Checking the download…"
                ExportPhase.READY -> "Your data is ready on this phone: ${kilobytes(total ?: progress.bytesDone)}."
                ExportPhase.FAILED -> "The export failed. Try again: it resumes where it stopped."
            }
        // The call's own result (or error) is more precise than the stream's last word.
        if (text != null && exporting?.isActive != false) exportText.text = text
        if (text != null && exportText.text.isNullOrEmpty()) exportText.text = text
    }

    private fun kilobytes(bytes: Long): String =
        if (bytes >= 1024 * 1024) String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0) else "${maxOf(1L, (bytes + 1023) / 1024)} KB"

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
