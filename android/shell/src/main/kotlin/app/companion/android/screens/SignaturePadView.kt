package app.companion.android.screens

import android.annotation.SuppressLint
import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Path
import android.view.MotionEvent
import android.view.View
import app.companion.wire.SignatureStrokes
import app.companion.wire.Stroke
import app.companion.wire.StrokePoint
import kotlin.math.roundToInt

/**
 * The recipient signs with a finger. The strokes are kept as the core's vectors (pad pixels
 * from the top left, milliseconds since the first point, from the touch events' own
 * timestamps), not as an image: the core checks them, renders the PNG and seals the strokes.
 * Empty pads and single taps are the core's to refuse (`InvalidInput` `signature`).
 *
 * The core's limits are kept here so a long signature is never refused whole: a stroke longer
 * than [MAX_STROKE_POINTS] goes on as a new stroke; beyond [MAX_STROKES] strokes or
 * [MAX_POINTS] points in all, further ink is ignored.
 */
class SignaturePadView(context: Context) : View(context) {
    private val strokes = mutableListOf<MutableList<StrokePoint>>()
    private var firstEventTime: Long? = null
    private var drawing = false

    /** Called after each finished stroke and after [clear]. */
    var onChange: (() -> Unit)? = null

    private val ink =
        Paint(Paint.ANTI_ALIAS_FLAG).apply {
            color = INK
            style = Paint.Style.STROKE
            strokeWidth = context.dp(3).toFloat()
            strokeCap = Paint.Cap.ROUND
            strokeJoin = Paint.Join.ROUND
        }
    private val baseline = Paint().apply { color = BASELINE; strokeWidth = context.dp(1).toFloat() }
    private val hint = Paint(Paint.ANTI_ALIAS_FLAG).apply { color = BASELINE; textSize = context.dp(14).toFloat() }

    init {
        setBackgroundColor(PAD)
        contentDescription = "Signature pad"
    }

    val isEmpty: Boolean get() = strokes.isEmpty()

    val pointCount: Int get() = strokes.sumOf { it.size }

    /** The signature for `Deliveries.setSignature`, in this pad's size. */
    fun strokes(): SignatureStrokes =
        SignatureStrokes(
            width = width.coerceAtLeast(1).toUInt(),
            height = height.coerceAtLeast(1).toUInt(),
            strokes = strokes.map { Stroke(it.toList()) },
        )

    fun clear() {
        strokes.clear()
        firstEventTime = null
        drawing = false
        invalidate()
        onChange?.invoke()
    }

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        setMeasuredDimension(getDefaultSize(suggestedMinimumWidth, widthMeasureSpec), context.dp(180))
    }

    @SuppressLint("ClickableViewAccessibility") // drawing, not a click: nothing to perform for accessibility
    override fun onTouchEvent(event: MotionEvent): Boolean {
        if (!isEnabled) return false
        when (event.actionMasked) {
            MotionEvent.ACTION_DOWN -> {
                // Keep a scrolling parent from taking the gesture away mid-signature.
                parent?.requestDisallowInterceptTouchEvent(true)
                drawing = newStroke()
                add(event.x, event.y, event.eventTime)
            }
            MotionEvent.ACTION_MOVE -> {
                for (i in 0 until event.historySize) add(event.getHistoricalX(i), event.getHistoricalY(i), event.getHistoricalEventTime(i))
                add(event.x, event.y, event.eventTime)
            }
            MotionEvent.ACTION_UP -> {
                add(event.x, event.y, event.eventTime)
                drawing = false
                parent?.requestDisallowInterceptTouchEvent(false)
                onChange?.invoke()
            }
            MotionEvent.ACTION_CANCEL -> {
                drawing = false
                onChange?.invoke()
            }
            else -> return false
        }
        invalidate()
        return true
    }

    /** Starts a stroke if the limits allow; false when the pad is full. */
    private fun newStroke(): Boolean {
        if (strokes.size >= MAX_STROKES || pointCount >= MAX_POINTS) return false
        strokes.add(mutableListOf())
        return true
    }

    private fun add(x: Float, y: Float, eventTime: Long) {
        if (!drawing) return
        val first = firstEventTime ?: eventTime.also { firstEventTime = it }
        val point =
            StrokePoint(
                x = x.roundToInt().coerceIn(0, (width - 1).coerceAtLeast(0)),
                y = y.roundToInt().coerceIn(0, (height - 1).coerceAtLeast(0)),
                tMs = (eventTime - first).coerceAtLeast(0).toUInt(),
            )
        var current = strokes.last()
        if (current.lastOrNull()?.let { it.x == point.x && it.y == point.y } == true) return
        if (pointCount >= MAX_POINTS) {
            drawing = false
            return
        }
        if (current.size >= MAX_STROKE_POINTS) {
            // Go on as a new stroke from the same place, so the line stays unbroken.
            val last = current.last()
            if (!newStroke()) {
                drawing = false
                return
            }
            current = strokes.last()
            current.add(last)
        }
        current.add(point)
    }

    override fun onDraw(canvas: Canvas) {
        val lineY = height * 0.75f
        canvas.drawLine(width * 0.05f, lineY, width * 0.95f, lineY, baseline)
        if (strokes.isEmpty()) canvas.drawText("Sign here", width * 0.05f, lineY - context.dp(8), hint)
        for (stroke in strokes) {
            if (stroke.isEmpty()) continue
            val path = Path()
            path.moveTo(stroke[0].x.toFloat(), stroke[0].y.toFloat())
            // A dot for a stroke of one point, so a tap shows (the core decides whether it counts).
            if (stroke.size == 1) path.lineTo(stroke[0].x + 0.1f, stroke[0].y.toFloat())
            for (p in stroke.drop(1)) path.lineTo(p.x.toFloat(), p.y.toFloat())
            canvas.drawPath(path, ink)
        }
    }

    companion object {
        // The core's limits (wire MAX_STROKES, MAX_STROKE_POINTS, MAX_SIGNATURE_POINTS).
        const val MAX_STROKES = 24
        const val MAX_STROKE_POINTS = 800
        const val MAX_POINTS = 10_000

        val INK = Color.rgb(0x0D, 0x1B, 0x3E)
        val PAD = Color.rgb(0xF5, 0xF5, 0xF5)
        val BASELINE = Color.rgb(0xB0, 0xB0, 0xB0)
    }
}
