package app.companion.robotests

import android.app.Activity
import android.view.MotionEvent
import android.view.View
import app.companion.android.screens.SignaturePadView
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner

/**
 * The signature pad's strokes as the core receives them: pad pixels clamped to the pad, times
 * from the touch events (batched moves included), a long stroke split where the core's
 * per-stroke limit is, and ink beyond the core's stroke limit ignored rather than refused whole.
 */
@RunWith(RobolectricTestRunner::class)
class SignaturePadViewTest {
    private val pad =
        SignaturePadView(Robolectric.buildActivity(Activity::class.java).setup().get()).apply {
            measure(View.MeasureSpec.makeMeasureSpec(600, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(300, View.MeasureSpec.EXACTLY))
            layout(0, 0, 600, measuredHeight)
        }

    private fun event(down: Long, t: Long, action: Int, x: Float, y: Float) = MotionEvent.obtain(down, t, action, x, y, 0)

    @Test
    fun `points keep the events' times, batched moves included, and stay on the pad`() {
        var changes = 0
        pad.onChange = { changes++ }
        pad.dispatchTouchEvent(event(100, 100, MotionEvent.ACTION_DOWN, 10f, 10f))
        // A batched move, as the framework delivers them: (20, 20) at 120 ms in its history, (30, 30) at 140 its own.
        val move = event(100, 120, MotionEvent.ACTION_MOVE, 20f, 20f).apply { addBatch(140, 30f, 30f, 1f, 1f, 0) }
        assertEquals(1, move.historySize)
        pad.dispatchTouchEvent(move)
        pad.dispatchTouchEvent(event(100, 160, MotionEvent.ACTION_UP, 900f, -5f))

        val strokes = pad.strokes()
        assertEquals(600u, strokes.width)
        assertEquals(pad.height.toUInt(), strokes.height)
        val points = strokes.strokes.single().points
        assertEquals(listOf(0u, 20u, 40u, 60u), points.map { it.tMs })
        assertEquals("clamped to the pad", 599 to 0, points.last().x to points.last().y)
        assertEquals(1, changes)
        pad.clear()
        assertTrue(pad.isEmpty)
        assertEquals(2, changes)
    }

    @Test
    fun `a long stroke goes on as a new one at the core's limit, and a full pad ignores more ink`() {
        pad.dispatchTouchEvent(event(0, 0, MotionEvent.ACTION_DOWN, 0f, 100f))
        for (i in 1..1000) pad.dispatchTouchEvent(event(0, i.toLong(), MotionEvent.ACTION_MOVE, (i % 600).toFloat(), 100f + (i / 600)))
        pad.dispatchTouchEvent(event(0, 1001, MotionEvent.ACTION_UP, 5f, 250f))
        val split = pad.strokes().strokes
        assertEquals(2, split.size)
        assertEquals(SignaturePadView.MAX_STROKE_POINTS, split[0].points.size)
        assertEquals("the second stroke starts where the first ended", split[0].points.last(), split[1].points.first())

        // 22 more strokes fill the pad to the core's 24; the 25th is not recorded.
        for (s in 1..23) {
            val t = 2_000L * s
            pad.dispatchTouchEvent(event(t, t, MotionEvent.ACTION_DOWN, 10f, 10f + s))
            pad.dispatchTouchEvent(event(t, t + 16, MotionEvent.ACTION_UP, 50f, 10f + s))
        }
        assertEquals(SignaturePadView.MAX_STROKES, pad.strokes().strokes.size)
        assertFalse(pad.strokes().strokes.any { it.points.isEmpty() })
    }
}
