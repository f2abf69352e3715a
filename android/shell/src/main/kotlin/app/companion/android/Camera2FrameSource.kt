package app.companion.android

import android.graphics.ImageFormat
import android.hardware.camera2.CameraAccessException
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.hardware.camera2.params.OutputConfiguration
import android.hardware.camera2.params.SessionConfiguration
import android.media.Image
import android.media.ImageReader
import android.os.Build
import android.os.Handler
import android.util.Size
import android.view.Surface
import android.view.SurfaceHolder
import java.util.concurrent.Executor

/**
 * The back camera through Camera2, for the scanner screen: one capture session with two
 * outputs, the preview Surface (what the user aims with) and an [ImageReader] in `YUV_420_888`
 * whose frames go to [onFrame] (then to [LiveScanCamera] and the core's live scanner).
 *
 * Everything the camera calls back runs on [cameraThread] (a HandlerThread's Handler that the
 * screen owns), never on the main thread. The reader keeps [MAX_IMAGES] buffers and each
 * callback takes only the newest frame (`acquireLatestImage`), closing the older ones: when
 * the decoder is slower than the camera, late frames are dropped here rather than queued, and
 * the camera never stalls for want of a buffer. [onFrame] must close the Image it gets
 * ([LiveScanCamera.submit] does, also on errors).
 *
 * [close] releases session, device and reader, also while the camera is still opening (a
 * device that arrives after [close] is closed at once). Open it when the screen is shown and
 * close it when the Activity pauses or the screen goes: another app may want the camera.
 */
class Camera2FrameSource(
    private val cameraManager: CameraManager,
    private val cameraThread: Handler,
    /** A frame and how far it must turn clockwise to be upright; called on [cameraThread]. */
    private val onFrame: (Image, Int) -> Unit,
) {
    /** What the back camera offers the scanner: which camera, the frame size, its mounting. */
    data class Stream(val cameraId: String, val size: Size, val sensorOrientation: Int) {
        /** The frame size once turned upright for a display rotated [rotationDegrees]. */
        fun uprightSize(rotationDegrees: Int): Size =
            if (rotationDegrees % 180 == 0) size else Size(size.height, size.width)
    }

    sealed class State {
        object Closed : State()

        object Opening : State()

        /** Frames are flowing; [rotationDegrees] is what each frame needs to be upright. */
        data class Streaming(val stream: Stream, val rotationDegrees: Int) : State()

        /** The camera could not be used; [reason] is for the user (no ids, no device data). */
        data class Failed(val reason: String) : State()
    }

    @Volatile
    var state: State = State.Closed
        private set

    private var listener: (State) -> Unit = {}

    // Touched on the camera thread (callbacks) and the caller's (open/close): guarded by `this`.
    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var reader: ImageReader? = null
    private var closed = true

    /**
     * Opens [stream]'s camera and starts streaming into [preview] (null: frames only, no
     * preview) and the reader. [displayRotation] is the display's `Surface.ROTATION_*` now;
     * [onState] hears every change of [state], on [cameraThread]. The caller holds the
     * CAMERA permission (the core's decision said Proceed); a SecurityException still becomes
     * [State.Failed] (the permission was revoked in between).
     */
    fun open(stream: Stream, preview: Surface?, displayRotation: Int, onState: (State) -> Unit = {}) {
        synchronized(this) {
            check(closed) { "already open; close() first" }
            closed = false
            listener = onState
        }
        val rotation = rotationDegrees(stream.sensorOrientation, displayRotation)
        val newReader = ImageReader.newInstance(stream.size.width, stream.size.height, ImageFormat.YUV_420_888, MAX_IMAGES)
        newReader.setOnImageAvailableListener({ r ->
            // The newest frame only; the reader closes the ones this skips.
            val image =
                try {
                    r.acquireLatestImage()
                } catch (e: IllegalStateException) {
                    null // the reader was closed while this callback was queued
                } ?: return@setOnImageAvailableListener
            onFrame(image, rotation)
        }, cameraThread)
        synchronized(this) { reader = newReader }
        publish(State.Opening)
        try {
            cameraManager.openCamera(stream.cameraId, deviceCallback(stream, preview, newReader, rotation), cameraThread)
        } catch (e: CameraAccessException) {
            fail("The camera is not available (it may be in use by another app).")
        } catch (e: SecurityException) {
            fail("Camera permission is not granted.")
        }
    }

    /** Stops streaming and releases the camera; safe to call at any time, more than once. */
    fun close() {
        val (s, d, r) =
            synchronized(this) {
                closed = true
                Triple(session, device, reader).also {
                    session = null
                    device = null
                    reader = null
                }
            }
        // Session first (stops the repeating request), then the device, then the buffers.
        runCatching { s?.close() }
        runCatching { d?.close() }
        runCatching { r?.close() }
        if (state !is State.Failed) publish(State.Closed)
    }

    private fun deviceCallback(stream: Stream, preview: Surface?, reader: ImageReader, rotation: Int) =
        object : CameraDevice.StateCallback() {
            override fun onOpened(camera: CameraDevice) {
                val stillWanted = synchronized(this@Camera2FrameSource) { (!closed).also { if (it) device = camera } }
                if (!stillWanted) {
                    camera.close() // closed while opening
                    return
                }
                try {
                    startSession(camera, stream, preview, reader, rotation)
                } catch (e: CameraAccessException) {
                    fail("The camera stopped while starting.")
                } catch (e: IllegalStateException) {
                    // The device was closed under us (close() on another thread).
                }
            }

            override fun onDisconnected(camera: CameraDevice) {
                // Another app with higher priority took the camera.
                camera.close()
                fail("Another app is using the camera.")
            }

            override fun onError(camera: CameraDevice, error: Int) {
                camera.close()
                fail(
                    when (error) {
                        ERROR_CAMERA_IN_USE, ERROR_MAX_CAMERAS_IN_USE -> "Another app is using the camera."
                        ERROR_CAMERA_DISABLED -> "The camera is disabled on this phone (device policy)."
                        else -> "The camera failed (error $error). Close the screen and try again."
                    },
                )
            }
        }

    private fun startSession(camera: CameraDevice, stream: Stream, preview: Surface?, reader: ImageReader, rotation: Int) {
        val targets = listOfNotNull(preview, reader.surface)
        val sessionCallback =
            object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    val stillWanted = synchronized(this@Camera2FrameSource) { (!closed).also { if (it) session = s } }
                    if (!stillWanted) {
                        s.close()
                        return
                    }
                    val request =
                        camera.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
                            targets.forEach(::addTarget)
                            // Labels are read at arm's length: keep refocusing as the user moves.
                            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
                            set(CaptureRequest.CONTROL_MODE, CaptureRequest.CONTROL_MODE_AUTO)
                        }
                    try {
                        s.setRepeatingRequest(request.build(), null, cameraThread)
                        publish(State.Streaming(stream, rotation))
                    } catch (e: CameraAccessException) {
                        fail("The camera stopped while starting.")
                    } catch (e: IllegalStateException) {
                        // Closed meanwhile.
                    }
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    fail("The camera cannot stream at ${stream.size.width}x${stream.size.height}.")
                }
            }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            val onCameraThread = Executor { cameraThread.post(it) }
            camera.createCaptureSession(
                SessionConfiguration(SessionConfiguration.SESSION_REGULAR, targets.map(::OutputConfiguration), onCameraThread, sessionCallback),
            )
        } else {
            @Suppress("DEPRECATION")
            camera.createCaptureSession(targets, sessionCallback, cameraThread)
        }
    }

    private fun fail(reason: String) {
        publish(State.Failed(reason))
        close()
    }

    private fun publish(new: State) {
        state = new
        listener(new)
    }

    companion object {
        /** Buffers in the reader: one being decoded, one being filled. */
        const val MAX_IMAGES = 2

        /**
         * Frames about this big: 1280x720 resolves a 13-digit EAN at arm's length; larger
         * frames only cost decode time and memory on the phones a warehouse buys.
         */
        private const val TARGET_LONG_SIDE = 1280
        private const val MAX_PIXELS = 1920 * 1080

        /**
         * The back camera and the frame size for scanning, from the stream configuration map;
         * null when the phone has no back camera (or none that can stream YUV).
         */
        fun backCamera(manager: CameraManager): Stream? {
            for (id in manager.cameraIdList) {
                val c = manager.getCameraCharacteristics(id)
                if (c.get(CameraCharacteristics.LENS_FACING) != CameraCharacteristics.LENS_FACING_BACK) continue
                val map = c.get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP) ?: continue
                val size = chooseSize(map.getOutputSizes(ImageFormat.YUV_420_888), map.getOutputSizes(SurfaceHolder::class.java)) ?: continue
                return Stream(id, size, c.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 90)
            }
            return null
        }

        /**
         * The frame size: among the YUV sizes the preview can also use (one size for both keeps
         * the preview and the analysed frame the same picture), the smallest whose long side
         * reaches [TARGET_LONG_SIDE] within [MAX_PIXELS], preferring 16:9 (a phone screen's
         * shape); else the largest within [MAX_PIXELS]; else the smallest there is.
         */
        fun chooseSize(yuv: Array<Size>?, preview: Array<Size>?): Size? {
            val previewSet = preview?.toSet()
            val candidates = yuv.orEmpty().filter { previewSet == null || it in previewSet }.ifEmpty { yuv.orEmpty().toList() }
            if (candidates.isEmpty()) return null
            fun long(s: Size) = maxOf(s.width, s.height)
            fun pixels(s: Size) = s.width.toLong() * s.height
            fun wide(s: Size) = long(s) * 9 == minOf(s.width, s.height) * 16
            val fitting = candidates.filter { pixels(it) <= MAX_PIXELS }
            val bigEnough = fitting.filter { long(it) >= TARGET_LONG_SIDE }
            return bigEnough.sortedWith(compareBy<Size>({ !wide(it) }, { pixels(it) })).firstOrNull()
                ?: fitting.maxByOrNull(::pixels)
                ?: candidates.minByOrNull(::pixels)
        }

        /**
         * How far a back-camera frame must turn clockwise to be upright on a display rotated
         * by [displayRotation] (`Surface.ROTATION_0..270`): the sensor's mounting angle less
         * the display's rotation.
         */
        fun rotationDegrees(sensorOrientation: Int, displayRotation: Int): Int {
            val display =
                when (displayRotation) {
                    Surface.ROTATION_90 -> 90
                    Surface.ROTATION_180 -> 180
                    Surface.ROTATION_270 -> 270
                    else -> 0
                }
            return ((sensorOrientation - display) % 360 + 360) % 360
        }
    }
}
