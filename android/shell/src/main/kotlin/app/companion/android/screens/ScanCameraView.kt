package app.companion.android.screens

import android.app.Activity
import android.content.Intent
import android.graphics.Color
import android.graphics.PointF
import android.graphics.Rect
import android.hardware.camera2.CameraManager
import android.media.Image
import android.os.Handler
import android.os.HandlerThread
import android.util.Log
import android.util.Size
import android.view.Surface
import android.view.SurfaceHolder
import android.view.SurfaceView
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import app.companion.CompanionException
import app.companion.Scanner
import app.companion.android.Camera2FrameSource
import app.companion.android.LiveScanCamera
import app.companion.android.PointOfUsePermissions
import app.companion.android.ScannerOverlayView
import app.companion.core.Feature
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

/**
 * The camera half of a scanning screen, shared by [ScannerScreen] (stock lookup) and the
 * proof capture's item scanning: the back camera's preview with the [ScannerOverlayView] over
 * it, frames from [Camera2FrameSource] fed through [LiveScanCamera] to the core's live
 * scanner, and each code the core confirms handed to [onConfirmed] (on the main thread). What
 * a confirmed code means is the screen's business.
 *
 * The camera permission is asked when this view is attached (point of use, through
 * [PointOfUsePermissions] and the core's decision for [feature]), never before; refused, the
 * note below the preview says what to do instead ([typeInstead]). The camera runs only while
 * the view is attached and the Activity resumed: pausing, leaving or closing releases it.
 */
class ScanCameraView(
    private val activity: Activity,
    private val scanner: Scanner,
    private val permissions: PointOfUsePermissions,
    private val scope: CoroutineScope,
    private val openSettings: (Intent) -> Unit,
    /** The session's tuning; the core's defaults (two sightings confirm a code). */
    private val config: LiveScanConfig = scanner.defaultLiveConfig(),
    /** Whose camera decision this is (the scanner's, [Feature.SCANNING], unless a screen says otherwise). */
    private val feature: Feature = Feature.SCANNING,
    /** How the notes end: what the user can do without the camera. */
    private val typeInstead: String = "type the code below",
    /** A frame the core refused (said once per camera session). */
    private val onProblem: (Problem) -> Unit = {},
    private val onConfirmed: (ScanEvent) -> Unit,
) : LinearLayout(activity) {
    val overlay = ScannerOverlayView(activity)
    val surface = SurfaceView(activity)

    /** The camera's picture: [surface] filling it centred (cropped), [overlay] on top. */
    val preview = PreviewFrame(activity, surface).apply {
        setBackgroundColor(Color.BLACK)
        // this@ScanCameraView: inside apply, `overlay` would be the FrameLayout's own ViewOverlay.
        addView(this@ScanCameraView.overlay) // a FrameLayout's default: filling it
    }

    /** Why there is no camera picture and what to do (permission refused, no camera); gone otherwise. */
    val cameraNote: TextView = context.label(size = 14f, color = ProblemView.PROBLEM_RED)
    val cameraButton = Button(context).apply { isAllCaps = false }

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

    init {
        orientation = VERTICAL
        addView(preview, LayoutParams(LayoutParams.MATCH_PARENT, 0, 1f))
        val notes = LinearLayout(context).apply {
            orientation = VERTICAL
            val p = context.dp(16)
            setPadding(p, 0, p, 0)
        }
        notes.add(cameraNote, 8)
        notes.addView(cameraButton, LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT))
        addView(notes, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.WRAP_CONTENT))
        showNote(null)
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
        ActivityResumes(
            activity,
            onResumed = {
                resumed = true
                // Back from the permission prompt or from Settings: the answer may have changed.
                begin(ask = false)
            },
            onPaused = {
                resumed = false
                stopCamera()
            },
        )

    override fun onAttachedToWindow() {
        super.onAttachedToWindow()
        lifecycle.register()
        begin(ask = true)
    }

    override fun onDetachedFromWindow() {
        lifecycle.unregister()
        stopCamera()
        super.onDetachedFromWindow()
    }

    /**
     * The core's decision for [feature], acted on: the camera if allowed; with [ask], the
     * system prompt when the core says to ask; otherwise what the user can do instead.
     */
    private fun begin(ask: Boolean) {
        if (deciding || frameSource != null) return
        deciding = true
        scope.launch {
            try {
                var decision = permissions.decide(feature)
                val action = decision.action
                if (ask && action is PermissionAction.Request) decision = permissions.request(feature, action.permissions)
                showDecision(decision)
            } catch (e: CompanionException) {
                onProblem(Problem.of(e))
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
                showNote("Companion uses the camera only to read barcodes on this screen. Allow it, or $typeInstead.", "Allow camera") {
                    scope.launch { showDecision(permissions.request(feature, toAsk)) }
                }
            }
            is PermissionAction.OpenSettings ->
                showNote("The camera is off for Companion. Turn it on in Settings to scan, or $typeInstead.", "Open Settings") {
                    openSettings(permissions.settingsIntent(action))
                }
            is PermissionAction.Degrade -> showNote("Scanning is not available on this phone: $typeInstead.")
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
            showNote("This phone has no back camera the app can use: $typeInstead.")
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
     * running session (the view closing) the frame is dropped.
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
                post { onProblem(Problem.of(e)) }
            }
        } catch (e: IllegalStateException) {
            // The session ended while this frame was on its way (the view closed).
        }
    }

    private fun updateWindow() {
        val size = frameSize ?: return
        if (overlay.width == 0 || overlay.height == 0) return
        scanWindow = overlay.windowInFrame(size.width, size.height).takeIf { it.width() > 0 && it.height() > 0 }
    }

    /** The rotation of the display this view is on (a view knows its display once attached). */
    private fun displayRotation(): Int = display?.rotation ?: Surface.ROTATION_0

    /** Outlines [code] on the preview (its corners, in a [frameWidth] x [frameHeight] upright frame). */
    fun outline(code: ScannedCode, frameWidth: Int, frameHeight: Int) {
        overlay.showCode(code.corners.map { PointF(it.x, it.y) }, frameWidth, frameHeight)
    }

    /** Outlines [code] in the frames being scanned, if the camera has chosen its size. */
    fun outline(code: ScannedCode) {
        val size = frameSize ?: return
        outline(code, size.width, size.height)
    }
}
