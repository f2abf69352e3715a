package app.companion.android.screens

import android.app.Activity
import android.app.Application
import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.graphics.PointF
import android.graphics.Rect
import android.hardware.camera2.CameraManager
import android.media.Image
import android.os.Bundle
import android.os.Handler
import android.os.HandlerThread
import android.util.Log
import android.util.Size
import android.view.Surface
import android.view.SurfaceHolder
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
import app.companion.android.LiveScanCamera
import app.companion.android.PointOfUsePermissions
import app.companion.android.ScannerOverlayView
import app.companion.core.Feature
import app.companion.core.Item
import app.companion.core.ItemStock
import app.companion.core.PermissionAction
import app.companion.core.PermissionDecision
import app.companion.flows.LiveScan
import app.companion.flows.startLiveScan
import app.companion.scan.LiveScanConfig
import app.companion.scan.ScanEvent
import app.companion.scan.ScannedCode
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlin.math.max
import kotlin.math.roundToInt

/**
 * Scanning a label: the back camera's preview with the [ScannerOverlayView] over it, frames
 * from [Camera2FrameSource] fed through [LiveScanCamera] to the core's live scanner, and each
 * code the core confirms outlined on the preview, looked up offline (`Inventory.lookup`) and
 * opened ([onOpen]); several warehouses stocking it are offered as a choice. Typing the code
 * below the preview does the same and works without a camera.
 *
 * The camera permission is asked here, when the screen opens (point of use, through
 * [PointOfUsePermissions] and the core's decision), never before; refused, the screen says what
 * to do and manual entry stays. The camera runs only while the screen is attached and the
 * Activity resumed: pausing, leaving or closing the screen releases it.
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
    val overlay = ScannerOverlayView(activity)
    val surface = SurfaceView(activity)

    /** The camera's picture: [surface] filling it centred (cropped), [overlay] on top. */
    val preview = PreviewFrame(activity, surface).apply {
        setBackgroundColor(Color.BLACK)
        // this@ScannerScreen: inside apply, `overlay` would be the FrameLayout's own ViewOverlay.
        addView(this@ScannerScreen.overlay) // a FrameLayout's default: filling it
    }

    /** Why there is no camera picture and what to do (permission refused, no camera); gone otherwise. */
    val cameraNote: TextView = context.label(size = 14f, color = ProblemView.PROBLEM_RED)
    val cameraButton = Button(context).apply { isAllCaps = false }

    /** The last code read (camera or typed) and what it is. */
    val codeText: TextView = context.label(size = 15f, color = Color.BLACK)
    val manual = context.field("Or type the barcode", android.text.InputType.TYPE_CLASS_TEXT)
    val lookUpButton = Button(context).apply { text = "Look up"; isAllCaps = false }
    val problem = ProblemView(context)

    /** One row per warehouse when a code is stocked in several. */
    val choices = LinearLayout(context).apply { orientation = VERTICAL }

    /** The open camera, while there is one. */
    var frameSource: Camera2FrameSource? = null
        private set
    private var cameraThread: HandlerThread? = null
    private var liveScan: LiveScan? = null

    @Volatile
    private var feed: LiveScanCamera? = null

    /** The running live-scan session (its `stats()`), while the camera is open. */
    val liveSession: app.companion.LiveScanner?
        get() = liveScan?.session
    private var events: Job? = null
    private var stream: Camera2FrameSource.Stream? = null
    private var deciding = false
    private var resumed = true

    /** The upright size of the frames being scanned (what corners and the window refer to). */
    var frameSize: Size? = null
        private set

    /** The scan window in upright frame pixels, read by the camera thread for every frame. */
    @Volatile
    var scanWindow: Rect? = null
        private set

    @Volatile
    private var badFrameReported = false

    /** The lookup in flight: a newer code replaces it, so two codes never open two screens. */
    private var lookup: Job? = null

    init {
        screen()
        setPadding(0, 0, 0, context.dp(16))
        addView(preview, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        val body = LinearLayout(context).apply {
            orientation = VERTICAL
            val p = context.dp(16)
            setPadding(p, 0, p, 0)
        }
        body.add(cameraNote, 8)
        body.addView(cameraButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        body.add(codeText, 8)
        val bar = LinearLayout(context).apply { orientation = HORIZONTAL }
        bar.addView(manual, LayoutParams(0, LayoutParams.WRAP_CONTENT, 1f))
        bar.addView(lookUpButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        body.add(bar, 8)
        body.add(problem)
        body.add(choices, 4)
        addView(body, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.WRAP_CONTENT))
        showNote(null)
        lookUpButton.setOnClickListener {
            val typed = manual.text.toString().trim()
            if (typed.isNotEmpty()) lookUp(typed)
        }
        overlay.addOnLayoutChangeListener { _, _, _, _, _, _, _, _, _ -> updateWindow() }
        surface.holder.addCallback(
            object : SurfaceHolder.Callback {
                override fun surfaceCreated(holder: SurfaceHolder) = openWhenReady()

                override fun surfaceChanged(holder: SurfaceHolder, format: Int, width: Int, height: Int) = Unit

                override fun surfaceDestroyed(holder: SurfaceHolder) {
                    // The preview target is gone: the session cannot go on without it.
                    stopCamera()
                }
            },
        )
    }

    private val lifecycle =
        object : Application.ActivityLifecycleCallbacks {
            override fun onActivityResumed(a: Activity) {
                if (a !== activity) return
                resumed = true
                // Back from the permission prompt or from Settings: the answer may have changed.
                begin(ask = false)
            }

            override fun onActivityPaused(a: Activity) {
                if (a !== activity) return
                resumed = false
                stopCamera()
            }

            override fun onActivityCreated(a: Activity, state: Bundle?) = Unit

            override fun onActivityStarted(a: Activity) = Unit

            override fun onActivityStopped(a: Activity) = Unit

            override fun onActivitySaveInstanceState(a: Activity, state: Bundle) = Unit

            override fun onActivityDestroyed(a: Activity) = Unit
        }

    override fun onAttachedToWindow() {
        super.onAttachedToWindow()
        activity.application.registerActivityLifecycleCallbacks(lifecycle)
        begin(ask = true)
    }

    override fun onDetachedFromWindow() {
        activity.application.unregisterActivityLifecycleCallbacks(lifecycle)
        stopCamera()
        super.onDetachedFromWindow()
    }

    /**
     * The core's decision for scanning, acted on: the camera if allowed; with [ask], the
     * system prompt when the core says to ask; otherwise what the user can do instead.
     */
    private fun begin(ask: Boolean) {
        if (deciding || frameSource != null) return
        deciding = true
        scope.launch {
            try {
                var decision = permissions.decide(Feature.SCANNING)
                val action = decision.action
                if (ask && action is PermissionAction.Request) decision = permissions.request(Feature.SCANNING, action.permissions)
                showDecision(decision)
            } catch (e: CompanionException) {
                problem.show(Problem.of(e))
            } finally {
                deciding = false
            }
        }
    }

    fun showDecision(decision: PermissionDecision) {
        when (val action = decision.action) {
            is PermissionAction.Proceed -> {
                showNote(null)
                startCamera()
            }
            is PermissionAction.Request, is PermissionAction.ExplainThenRequest -> {
                val toAsk = (action as? PermissionAction.Request)?.permissions ?: (action as PermissionAction.ExplainThenRequest).permissions
                showNote("Companion uses the camera only to read barcodes on this screen. Allow it, or type the code below.", "Allow camera") {
                    scope.launch { showDecision(permissions.request(Feature.SCANNING, toAsk)) }
                }
            }
            is PermissionAction.OpenSettings ->
                showNote("The camera is off for Companion. Turn it on in Settings to scan, or type the code below.", "Open Settings") {
                    openSettings(permissions.settingsIntent(action))
                }
            is PermissionAction.Degrade -> showNote("Scanning is not available on this phone: type the code below.")
            // Precise location only: nothing to do with the camera, which the core found allowed.
            is PermissionAction.RequestFullAccuracy -> {
                showNote(null)
                startCamera()
            }
        }
    }

    private fun showNote(text: String?, button: String? = null, onClick: (() -> Unit)? = null) {
        cameraNote.visibility = if (text == null) View.GONE else View.VISIBLE
        cameraNote.text = text ?: ""
        cameraButton.visibility = if (button == null) View.GONE else View.VISIBLE
        cameraButton.text = button ?: ""
        cameraButton.setOnClickListener { onClick?.invoke() }
    }

    /** Opens the back camera and a live-scan session; the frames flow once the preview surface exists. */
    private fun startCamera() {
        if (frameSource != null || !resumed || !isAttachedToWindow) return
        val manager = activity.getSystemService(CameraManager::class.java)
        val found = manager?.let { runCatching { Camera2FrameSource.backCamera(it) }.getOrNull() }
        if (manager == null || found == null) {
            showNote("This phone has no back camera the app can use: type the code below.")
            return
        }
        val rotation = Camera2FrameSource.rotationDegrees(found.sensorOrientation, displayRotation())
        val upright = found.uprightSize(rotation)
        stream = found
        frameSize = upright
        preview.frameSize = upright
        updateWindow()
        val thread = HandlerThread("companion-camera").apply { start() }
        cameraThread = thread
        val scan = scanner.startLiveScan(config)
        liveScan = scan
        feed = LiveScanCamera(scan.session)
        badFrameReported = false
        frameSource = Camera2FrameSource(manager, Handler(thread.looper), ::submitFrame)
        events = scope.launch { scan.events.collect { onConfirmed(it) } }
        // The preview's buffers at the stream's size (a size the camera offers for both outputs).
        surface.holder.setFixedSize(found.size.width, found.size.height)
        openWhenReady()
    }

    /** Opens the camera once both the source and the preview surface exist (either may come first). */
    private fun openWhenReady() {
        val source = frameSource ?: return
        val s = stream ?: return
        if (source.state != Camera2FrameSource.State.Closed) return
        val holderSurface = surface.holder.surface
        // Robolectric's holder has no real Surface; the frames still flow to the scanner.
        if (holderSurface != null && !holderSurface.isValid) return
        source.open(s, holderSurface, displayRotation()) { state ->
            if (state is Camera2FrameSource.State.Failed) post { if (frameSource === source) showNote(state.reason) }
        }
    }

    /** Releases the camera and ends the session; frames already queued on the camera thread are dropped. */
    private fun stopCamera() {
        val source = frameSource ?: return
        frameSource = null
        source.close()
        events?.cancel()
        events = null
        feed = null
        val scan = liveScan
        liveScan = null
        val thread = cameraThread
        cameraThread = null
        if (thread != null) {
            // After any frame callback already queued there, so no frame meets a closed session.
            Handler(thread.looper).post { scan?.close() }
            thread.quitSafely()
        } else {
            scan?.close()
        }
    }

    /**
     * One camera frame (upright after turning [rotationDegrees] clockwise) to the core, with
     * the scan window; the Image is closed. Called on the camera thread by [Camera2FrameSource]
     * and cheap (the window is copied, decoding happens on the core's thread). Without a
     * running session (the screen closing) the frame is dropped.
     */
    fun submitFrame(image: Image, rotationDegrees: Int) {
        val feed = feed
        if (feed == null) {
            image.close()
            return
        }
        try {
            feed.submit(image, rotationDegrees, scanWindow)
        } catch (e: CompanionException.InvalidFrame) {
            // A camera that sends frames the core cannot read sends them all: say it once.
            if (!badFrameReported) {
                badFrameReported = true
                Log.w("Companion", "camera frame refused: ${e.field}")
                post { problem.show(Problem.of(e)) }
            }
        } catch (e: IllegalStateException) {
            // The session ended while this frame was on its way (the screen closed).
        }
    }

    private fun updateWindow() {
        val size = frameSize ?: return
        if (overlay.width == 0 || overlay.height == 0) return
        scanWindow = overlay.windowInFrame(size.width, size.height).takeIf { it.width() > 0 && it.height() > 0 }
    }

    /** The rotation of the display this screen is on (a view knows its display once attached). */
    private fun displayRotation(): Int = display?.rotation ?: Surface.ROTATION_0

    /** A code the core confirmed: outlined where it is, then looked up. */
    fun onConfirmed(event: ScanEvent) {
        val size = frameSize
        if (size != null) showCode(event.code, size.width, size.height)
        lookUp(lookupKey(event.code), shown = event.code.text)
    }

    /** Shows [code] on the preview (its corners, in a [frameWidth] x [frameHeight] upright frame) and below it. */
    fun showCode(code: ScannedCode, frameWidth: Int, frameHeight: Int) {
        overlay.showCode(code.corners.map { PointF(it.x, it.y) }, frameWidth, frameHeight)
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
                TextView(context).apply {
                    text = "${stock.item.name}\n${stock.item.warehouseId} · ${stock.totalQty} ${stock.item.unit}"
                    textSize = 15f
                    setTextColor(Color.BLACK)
                    val p = context.dp(8)
                    setPadding(0, p, 0, p)
                    setOnClickListener { onOpen(stock.item) }
                },
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
