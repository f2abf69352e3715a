package app.companion.android.screens

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.graphics.Rect
import android.media.Image
import android.util.Size
import android.view.SurfaceView
import android.view.View
import android.widget.Button
import android.widget.FrameLayout
import android.widget.LinearLayout
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Inventory
import app.companion.Scanner
import app.companion.android.Camera2FrameSource
import app.companion.android.PointOfUsePermissions
import app.companion.android.ScannerOverlayView
import app.companion.core.Item
import app.companion.core.ItemStock
import app.companion.core.PermissionDecision
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScannedCode
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlin.math.max
import kotlin.math.roundToInt

/**
 * Scanning a label: the camera part is a [ScanCameraView] (preview, overlay, the camera
 * permission asked when the screen opens, frames to the core's live scanner); each code the
 * core confirms is outlined on the preview, looked up offline (`Inventory.lookup`) and opened
 * ([onOpen]); several warehouses stocking it are offered as a choice. Typing the code below
 * the preview does the same and works without a camera.
 */
class ScannerScreen(
    private val activity: Activity,
    private val scanner: Scanner,
    private val inventory: Inventory,
    private val permissions: PointOfUsePermissions,
    private val scope: CoroutineScope,
    private val openSettings: (Intent) -> Unit,
    /** The session's tuning; the core's defaults (two sightings confirm a code). */
    private val config: LiveScanConfig = scanner.defaultLiveConfig(),
    private val onOpen: (Item) -> Unit,
) : LinearLayout(activity) {
    val problem = ProblemView(context)

    /** The camera, its preview and its permission note. */
    val camera =
        ScanCameraView(activity, scanner, permissions, scope, openSettings, config, onProblem = { problem.show(it) }) { onConfirmed(it) }
    val overlay: ScannerOverlayView get() = camera.overlay
    val surface: SurfaceView get() = camera.surface
    val preview: PreviewFrame get() = camera.preview
    val cameraNote: TextView get() = camera.cameraNote
    val cameraButton: Button get() = camera.cameraButton

    /** The last code read (camera or typed) and what it is. */
    val codeText: TextView = context.label(size = 15f, color = Color.BLACK)
    val manual = context.field("Or type the barcode", android.text.InputType.TYPE_CLASS_TEXT)
    val lookUpButton = Button(context).apply { text = "Look up"; isAllCaps = false }

    /** One row per warehouse when a code is stocked in several. */
    val choices = LinearLayout(context).apply { orientation = VERTICAL }

    /** The open camera, while there is one. */
    val frameSource: Camera2FrameSource? get() = camera.frameSource

    /** The running live-scan session (its `stats()`), while the camera is open. */
    val liveSession: app.companion.LiveScanner? get() = camera.liveSession

    /** The upright size of the frames being scanned (what corners and the window refer to). */
    val frameSize: Size? get() = camera.frameSize

    /** The scan window in upright frame pixels. */
    val scanWindow: Rect? get() = camera.scanWindow

    /** The lookup in flight: a newer code replaces it, so two codes never open two screens. */
    private var lookup: Job? = null

    init {
        screen()
        setPadding(0, 0, 0, context.dp(16))
        addView(camera, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        val body = LinearLayout(context).apply {
            orientation = VERTICAL
            val p = context.dp(16)
            setPadding(p, 0, p, 0)
        }
        body.add(codeText, 8)
        val bar = LinearLayout(context).apply { orientation = HORIZONTAL }
        bar.addView(manual, LayoutParams(0, LayoutParams.WRAP_CONTENT, 1f))
        bar.addView(lookUpButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        body.add(bar, 8)
        body.add(problem)
        body.add(choices, 4)
        addView(body, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.WRAP_CONTENT))
        lookUpButton.setOnClickListener {
            val typed = manual.text.toString().trim()
            if (typed.isNotEmpty()) lookUp(typed)
        }
    }

    fun showDecision(decision: PermissionDecision) = camera.showDecision(decision)

    /** A camera frame to the core (the entry the ImageReader callback uses); see [ScanCameraView.submitFrame]. */
    fun submitFrame(image: Image, rotationDegrees: Int) = camera.submitFrame(image, rotationDegrees)

    /** A code the core confirmed: outlined where it is, then looked up. */
    fun onConfirmed(event: ScanEvent) {
        val size = frameSize
        if (size != null) showCode(event.code, size.width, size.height)
        lookUp(lookupKey(event.code), shown = event.code.text)
    }

    /** Shows [code] on the preview (its corners, in a [frameWidth] x [frameHeight] upright frame) and below it. */
    fun showCode(code: ScannedCode, frameWidth: Int, frameHeight: Int) {
        camera.outline(code, frameWidth, frameHeight)
        codeText.text = code.text
    }

    /**
     * Finds [code] on this phone and opens the item (or offers the warehouses stocking it);
     * [shown] is how the code reads to the user (a GS1 label's full text, not only its GTIN).
     */
    fun lookUp(code: String, shown: String = code) {
        problem.show(null)
        choices.removeAllViews()
        lookup?.cancel()
        lookup = scope.launch {
            try {
                val found = inventory.lookup(code)
                if (found.size == 1) {
                    val item = found.single().item
                    codeText.text = "$shown · ${item.name}"
                    onOpen(item)
                } else {
                    showChoices(shown, found)
                }
            } catch (e: CompanionException) {
                problem.show(Problem.of(e))
            }
        }
    }

    fun showChoices(code: String, found: List<ItemStock>) {
        choices.removeAllViews()
        codeText.text = "$code is stocked in ${found.size} warehouses:"
        for (stock in found) {
            choices.add(
                context.tappableRow("${stock.item.name}\n${stock.item.warehouseId} · ${stock.totalQty} ${stock.item.unit}") { onOpen(stock.item) },
                0,
            )
        }
    }

    companion object {
        /**
         * What the core's scan lookup keys on: a GS1 code's GTIN (AI 01) when it has a valid
         * one, the code's text otherwise (EAN/UPC digits, an ITF-14).
         */
        fun lookupKey(code: ScannedCode): String = code.gs1.firstOrNull { it.ai == "01" && it.issue == null }?.value ?: code.text
    }
}

/**
 * The preview's frame: its first child (the camera's SurfaceView) is laid out at the upright
 * frame's aspect ratio, scaled to fill this view and centred, the part outside cropped; the
 * other children (the overlay) fill it. That is the geometry [ScannerOverlayView.windowInFrame]
 * assumes, so the scan window the user sees is the one the core reads.
 */
class PreviewFrame(context: Context, private val picture: View) : FrameLayout(context) {
    /** The upright camera frame's size; null until the camera is chosen (the picture fills the view). */
    var frameSize: Size? = null
        set(value) {
            field = value
            requestLayout()
        }

    init {
        clipChildren = true
        addView(picture, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.MATCH_PARENT))
    }

    override fun onLayout(changed: Boolean, left: Int, top: Int, right: Int, bottom: Int) {
        super.onLayout(changed, left, top, right, bottom)
        val size = frameSize ?: return
        val (w, h) = (right - left) to (bottom - top)
        if (w == 0 || h == 0) return
        val scale = max(w.toFloat() / size.width, h.toFloat() / size.height)
        val pw = (size.width * scale).roundToInt()
        val ph = (size.height * scale).roundToInt()
        val l = (w - pw) / 2
        val t = (h - ph) / 2
        picture.measure(MeasureSpec.makeMeasureSpec(pw, MeasureSpec.EXACTLY), MeasureSpec.makeMeasureSpec(ph, MeasureSpec.EXACTLY))
        picture.layout(l, t, l + pw, t + ph)
    }
}
