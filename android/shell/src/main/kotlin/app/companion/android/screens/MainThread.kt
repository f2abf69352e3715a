package app.companion.android.screens

import android.os.Handler
import android.os.Looper
import android.util.Log
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlin.coroutines.CoroutineContext

/**
 * The main thread as a coroutine dispatcher, from the framework alone (on a device
 * kotlinx-coroutines-android's `Dispatchers.Main` is the same thing; the shell does not depend
 * on it). Code already on the main thread runs at once, like `Dispatchers.Main.immediate`.
 */
class MainThreadDispatcher(looper: Looper = Looper.getMainLooper()) : CoroutineDispatcher() {
    private val handler = Handler(looper)

    override fun isDispatchNeeded(context: CoroutineContext): Boolean = Looper.myLooper() != handler.looper

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        handler.post(block)
    }
}

/**
 * A scope for one Activity's screens: main thread, children independent of each other, an
 * escaped exception logged rather than crashing the app. The Activity cancels it in onDestroy,
 * which unsubscribes every stream its screens collect and drops their calls into the core.
 */
fun screenScope(looper: Looper = Looper.getMainLooper()): CoroutineScope =
    CoroutineScope(
        SupervisorJob() + MainThreadDispatcher(looper) +
            CoroutineExceptionHandler { _, e -> Log.e("Companion", "screen coroutine failed", e) },
    )
