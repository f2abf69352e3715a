package app.companion.android.screens

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.core.SyncActivity
import app.companion.core.SyncStatus
import app.companion.flows.syncStatusFlow
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.launch
import kotlin.math.roundToInt

/**
 * A horizontal bar drawn with plain Canvas calls: [fraction] of the width filled. (The
 * framework's ProgressBar takes its look from the theme; this one looks the same everywhere.)
 */
class DownloadProgressBar(context: Context) : View(context) {
    var fraction: Float = 0f
        set(value) {
            field = value.coerceIn(0f, 1f)
            invalidate()
        }

    private val track = Paint().apply { color = TRACK }
    private val fill = Paint().apply { color = FILL }

    /** The filled part's width in pixels, as [onDraw] draws it. */
    val filledWidth: Int get() = (width * fraction).roundToInt()

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        setMeasuredDimension(getDefaultSize(suggestedMinimumWidth, widthMeasureSpec), context.dp(8))
    }

    override fun onDraw(canvas: Canvas) {
        canvas.drawRect(0f, 0f, width.toFloat(), height.toFloat(), track)
        canvas.drawRect(0f, 0f, filledWidth.toFloat(), height.toFloat(), fill)
    }

    companion object {
        val TRACK = Color.rgb(0xE0, 0xE0, 0xE0)
        val FILL = Color.rgb(0x15, 0x65, 0xC0)
    }
}

/**
 * The sync's status as the core reports it (`Inventory.syncStatusFlow()`): what the sync is
 * doing, a progress bar for the download (the first download of a warehouse is the long one;
 * the bar stays full once it completed), how many movements wait to be sent, and "Sync now".
 */
class SyncStatusView(context: Context) : LinearLayout(context) {
    val activityText: TextView = context.label(size = 15f, color = Color.BLACK)
    val progress = DownloadProgressBar(context)
    val pendingText: TextView = context.label(size = 14f)
    val syncButton = Button(context).apply { text = "Sync now" }
    val problem = ProblemView(context)

    /** The latest download seen (done, total), kept after it completes. */
    var download: Pair<Long, Long>? = null
        private set

    /** The last status rendered. */
    var status: SyncStatus? = null
        private set

    private var syncing: Job? = null

    init {
        orientation = VERTICAL
        add(activityText, 0)
        add(progress, 4)
        add(pendingText, 4)
        add(problem, 4)
        addView(syncButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        progress.visibility = View.GONE
    }

    /** Follows [inventory]'s status in [scope] (the screen's), and runs "Sync now" there. */
    fun follow(inventory: Inventory, scope: CoroutineScope) {
        scope.launch {
            inventory.syncStatusFlow()
                .catch { if (it !is CompanionException.NotSignedIn) throw it }
                .collect { render(it) }
        }
        syncButton.setOnClickListener { syncNow(inventory, scope) }
    }

    fun syncNow(inventory: Inventory, scope: CoroutineScope) {
        if (syncing?.isActive == true) return
        problem.show(null)
        syncing =
            scope.launch {
                try {
                    inventory.sync(null)
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e)) { syncNow(inventory, scope) }
                }
            }
    }

    fun render(status: SyncStatus) {
        this.status = status
        val activity = status.activity
        if (activity is SyncActivity.Syncing && activity.total > 0) download = activity.done to activity.total
        activityText.text =
            when (activity) {
                is SyncActivity.Idle -> if (status.lastSyncedAt == null) "Not synced yet" else "Up to date"
                is SyncActivity.Syncing ->
                    if (activity.total > 0) "Downloading: ${activity.done} of ${activity.total} rows" else "Sending changes…"
                is SyncActivity.Offline -> "Offline: working from this phone's copy"
                is SyncActivity.Failed -> {
                    val wait = activity.retryAfter?.let { ", retrying in ${it.seconds} s" } ?: ""
                    "Last sync failed: ${activity.detail}$wait"
                }
            }
        val (done, total) = download ?: (0L to 0L)
        progress.visibility = if (total > 0) View.VISIBLE else View.GONE
        progress.fraction = if (total > 0) done.toFloat() / total else 0f
        pendingText.text =
            when (status.pending) {
                0L -> "All changes sent"
                1L -> "1 change waiting to be sent"
                else -> "${status.pending} changes waiting to be sent"
            }
        syncButton.isEnabled = activity !is SyncActivity.Syncing
    }
}
