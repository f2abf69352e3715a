package app.companion.android.screens

import android.content.Context
import android.graphics.Color
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Deliveries
import app.companion.core.DeliveriesStatus
import app.companion.flows.deliveriesStatusFlow
import app.companion.wire.Route
import app.companion.wire.Stop
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.launch
import java.time.ZoneId

/**
 * The driver's routes and their stops as kept on the phone (customer, address, time window),
 * each stop with its proof's state from the core's status stream (`deliveriesStatusFlow`),
 * and the upload queue. The routes on the phone show first (they work offline); with none,
 * or on "Download routes", today's routes are fetched. "Upload" sends sealed proofs waiting
 * in the queue (a proof sealed offline). Tapping a stop opens its proof capture.
 */
class DeliveriesScreen(
    context: Context,
    private val deliveries: Deliveries,
    private val scope: CoroutineScope,
    private val zone: ZoneId = ZoneId.systemDefault(),
    private val onOpen: (Stop) -> Unit,
) : LinearLayout(context) {
    val queueText: TextView = context.label(size = 14f)
    val downloadButton = Button(context).apply { text = "Download routes" }
    val uploadButton = Button(context).apply { text = "Upload" }
    val problem = ProblemView(context)
    val list = LinearLayout(context).apply { orientation = VERTICAL }

    /** The routes shown, and the row of each stop by id. */
    var routes: List<Route> = emptyList()
        private set
    val stopRows = LinkedHashMap<String, TextView>()
    var status: DeliveriesStatus? = null
        private set

    private var downloading: Job? = null
    private var uploading: Job? = null

    init {
        screen()
        add(context.title("Deliveries"), 0)
        add(queueText, 4)
        val buttons = LinearLayout(context).apply { orientation = HORIZONTAL }
        buttons.addView(downloadButton)
        buttons.addView(uploadButton)
        add(buttons, 4)
        add(problem)
        addView(ScrollView(context).apply { addView(list) }, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f).apply { topMargin = context.dp(8) })
        uploadButton.visibility = View.GONE
        downloadButton.setOnClickListener { download() }
        uploadButton.setOnClickListener { upload() }
        scope.launch {
            try {
                val kept = deliveries.routes()
                showRoutes(kept)
                if (kept.isEmpty()) download()
            } catch (e: CompanionException) {
                problem.show(Problem.of(e)) { download() }
            }
        }
        scope.launch {
            deliveries.deliveriesStatusFlow()
                .catch { if (it !is CompanionException.NotSignedIn) throw it }
                .collect { showStatus(it) }
        }
    }

    fun download() {
        if (downloading?.isActive == true) return
        problem.show(null)
        downloadButton.isEnabled = false
        downloading =
            scope.launch {
                try {
                    showRoutes(deliveries.downloadRoutes(null))
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e)) { download() }
                } finally {
                    downloadButton.isEnabled = true
                }
            }
    }

    fun upload() {
        if (uploading?.isActive == true) return
        problem.show(null)
        uploadButton.isEnabled = false
        uploading =
            scope.launch {
                try {
                    deliveries.upload(null)
                } catch (e: CompanionException) {
                    problem.show(Problem.of(e)) { upload() }
                } finally {
                    uploadButton.isEnabled = true
                }
            }
    }

    fun showRoutes(routes: List<Route>) {
        this.routes = routes
        list.removeAllViews()
        stopRows.clear()
        if (routes.isEmpty()) {
            list.add(context.label("No routes on this phone. Download them while online.", size = 15f), 8)
        }
        for (route in routes) {
            list.add(context.label("Route ${route.id} · ${route.serviceDate}", size = 17f, color = Color.BLACK), 16)
            for (stop in route.stops.sortedBy { it.sequence }) {
                val row = context.tappableRow { onOpen(stop) }
                stopRows[stop.id] = row
                list.add(row, 4)
            }
        }
        renderRows()
    }

    fun showStatus(status: DeliveriesStatus) {
        this.status = status
        queueText.text =
            when {
                status.uploading -> "Uploading proofs… ${status.queued} queued"
                status.queued == 1u -> "1 proof waiting to upload"
                status.queued > 0u -> "${status.queued} proofs waiting to upload"
                else -> "All proofs sent"
            }
        uploadButton.visibility = if (status.queued > 0u && !status.uploading) View.VISIBLE else View.GONE
        renderRows()
    }

    private fun renderRows() {
        for (route in routes) {
            for (stop in route.stops) {
                val row = stopRows[stop.id] ?: continue
                val state = status?.stops?.firstOrNull { it.stopId == stop.id }?.state
                row.text =
                    "${stop.sequence}. ${stop.customer.name}\n" +
                    "${stop.address.lines.joinToString(", ")}\n" +
                    "${DeliveryTexts.window(stop.window, zone)} · ${DeliveryTexts.proofState(state, stop)}"
            }
        }
    }
}
