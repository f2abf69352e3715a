package app.companion.android

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Path
import android.graphics.PointF
import android.graphics.Rect
import android.graphics.RectF
import android.util.AttributeSet
import android.util.TypedValue
import android.view.View
import kotlin.math.atan2
import kotlin.math.max
import kotlin.math.roundToInt

/**
 * The scanner screen's overlay, drawn over the camera preview: the preview dimmed except for
 * the scan window, the window's outline, and a hint below it. The window is where the core
 * looks ([windowInFrame] gives it in frame pixels for [LiveScanCamera.submit]), so a code
 * outside the window is not read, as the dimming tells the user.
 *
 * Plain framework drawing (no resources, no AndroidX), so the shell needs nothing else; the
 * app sets [hint] from its string resources.
 */
class ScannerOverlayView
    @JvmOverloads
    constructor(context: Context, attrs: AttributeSet? = null) : View(context, attrs) {
        /** Shown under the window; the app passes its localised string. */
        var hint: String = "Point the camera at a barcode"
            set(value) {
                field = value
                invalidate()
            }

        /** The scan window in this view's pixels, laid out in [onSizeChanged]. */
        val window = Rect()

        private val dim = Paint(Paint.ANTI_ALIAS_FLAG).apply { color = Color.argb(0x99, 0, 0, 0) }
        private val outline =
            Paint(Paint.ANTI_ALIAS_FLAG).apply {
                color = Color.WHITE
                style = Paint.Style.STROKE
                strokeWidth = dp(3f)
            }
        private val text =
            Paint(Paint.ANTI_ALIAS_FLAG).apply {
                color = Color.WHITE
                textAlign = Paint.Align.CENTER
                textSize = TypedValue.applyDimension(TypedValue.COMPLEX_UNIT_SP, 16f, resources.displayMetrics)
            }
        private val mask = Path()
        private val code =
            Paint(Paint.ANTI_ALIAS_FLAG).apply {
                color = CODE_GREEN
                style = Paint.Style.STROKE
                strokeWidth = dp(4f)
                strokeJoin = Paint.Join.ROUND
            }
        private val codePath = Path()

        /** The last confirmed code's corners in upright frame pixels, and that frame's size. */
        private var corners: List<PointF> = emptyList()
        private var frameWidth = 0
        private var frameHeight = 0

        /**
         * Outlines a confirmed code where the user sees it: [corners] (the core's
         * `ScannedCode.corners`, upright frame pixels) of a [frameWidth] x [frameHeight] frame
         * shown as [windowInFrame] assumes. Empty [corners] clears the outline.
         */
        fun showCode(corners: List<PointF>, frameWidth: Int, frameHeight: Int) {
            this.corners = corners
            this.frameWidth = frameWidth
            this.frameHeight = frameHeight
            invalidate()
        }

        /** [corners] in this view's pixels (empty when there is no code to show). */
        fun codeInView(): List<PointF> {
            if (corners.isEmpty() || frameWidth <= 0 || frameHeight <= 0 || width == 0) return emptyList()
            val scale = max(width.toFloat() / frameWidth, height.toFloat() / frameHeight)
            val dx = (width - frameWidth * scale) / 2f
            val dy = (height - frameHeight * scale) / 2f
            val points = corners.map { PointF(it.x * scale + dx, it.y * scale + dy) }
            // Walked around their centre: corners do not always arrive in outline order (a
            // QR code's came as a bow tie), and the outline must not cross itself.
            val cx = points.map { it.x }.average()
            val cy = points.map { it.y }.average()
            return points.sortedBy { atan2(it.y - cy, it.x - cx) }
        }

        override fun onSizeChanged(w: Int, h: Int, oldw: Int, oldh: Int) {
            super.onSizeChanged(w, h, oldw, oldh)
            // Wide rather than square: most codes on a warehouse floor are 1-D.
            val width = (w * 0.8f).roundToInt()
            val height = (width * 0.6f).roundToInt()
            val left = (w - width) / 2
            val top = ((h - height) * 0.4f).roundToInt()
            window.set(left, top, left + width, top + height)
            val corner = dp(12f)
            mask.reset()
            mask.fillType = Path.FillType.EVEN_ODD
            mask.addRect(0f, 0f, w.toFloat(), h.toFloat(), Path.Direction.CW)
            mask.addRoundRect(RectF(window), corner, corner, Path.Direction.CW)
        }

        override fun onDraw(canvas: Canvas) {
            super.onDraw(canvas)
            canvas.drawPath(mask, dim)
            val corner = dp(12f)
            canvas.drawRoundRect(RectF(window), corner, corner, outline)
            canvas.drawText(hint, width / 2f, window.bottom + dp(40f), text)
            val points = codeInView()
            if (points.size >= 2) {
                codePath.reset()
                codePath.moveTo(points[0].x, points[0].y)
                points.drop(1).forEach { codePath.lineTo(it.x, it.y) }
                codePath.close()
                canvas.drawPath(codePath, code)
            }
        }

        /**
         * [window] in the pixels of an upright camera frame of [frameWidth] x [frameHeight]
         * shown behind this view scaled to fill it and centred (CameraX `PreviewView`'s default
         * `FILL_CENTER`), clipped to the frame: the `window` for [LiveScanCamera.submit].
         */
        fun windowInFrame(frameWidth: Int, frameHeight: Int): Rect {
            val scale = max(width.toFloat() / frameWidth, height.toFloat() / frameHeight)
            val dx = (width - frameWidth * scale) / 2f
            val dy = (height - frameHeight * scale) / 2f
            fun x(v: Int) = ((v - dx) / scale).roundToInt().coerceIn(0, frameWidth)
            fun y(v: Int) = ((v - dy) / scale).roundToInt().coerceIn(0, frameHeight)
            return Rect(x(window.left), y(window.top), x(window.right), y(window.bottom))
        }

        private fun dp(v: Float) = TypedValue.applyDimension(TypedValue.COMPLEX_UNIT_DIP, v, resources.displayMetrics)

        companion object {
            /** The outline of a confirmed code: a green that reads on a dimmed or bright preview. */
            val CODE_GREEN = Color.rgb(0x2E, 0xCC, 0x40)
        }
    }
