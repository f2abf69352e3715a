package app.companion.android.screens

import android.app.Activity
import android.view.View
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.plus

/**
 * Shows one screen at a time in an Activity, with a back stack. Each screen gets a child scope
 * of the Activity's: what it collects stops when it is replaced, and everything stops with the
 * Activity. A screen coming back is built again (its streams start with the current value).
 */
class ScreenHost(private val activity: Activity, private val scope: CoroutineScope) {
    private val stack = ArrayDeque<(CoroutineScope) -> View>()
    private var screenJob: Job? = null

    /** The screen on display. */
    var current: View? = null
        private set

    /** Replaces the whole stack with [screen]. */
    fun show(screen: (CoroutineScope) -> View) {
        stack.clear()
        push(screen)
    }

    fun push(screen: (CoroutineScope) -> View) {
        stack.addLast(screen)
        display(screen)
    }

    /**
     * Back: first to the screen on display if it [HandlesBack] (a mode inside it closes),
     * else to the previous screen; false when there is none (the Activity finishes).
     */
    fun back(): Boolean {
        if ((current as? HandlesBack)?.handleBack() == true) return true
        if (stack.size <= 1) return false
        stack.removeLast()
        display(stack.last())
        return true
    }

    private fun display(screen: (CoroutineScope) -> View) {
        screenJob?.cancel()
        val job = SupervisorJob(scope.coroutineContext[Job])
        screenJob = job
        val view = screen(scope + job)
        current = view
        activity.setContentView(view)
    }
}

/** A screen with a mode of its own that Back closes before leaving the screen. */
interface HandlesBack {
    /** Closes the mode and returns true, or false when Back should leave the screen. */
    fun handleBack(): Boolean
}
