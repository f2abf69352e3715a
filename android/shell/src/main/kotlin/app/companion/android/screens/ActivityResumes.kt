package app.companion.android.screens

import android.app.Activity
import android.app.Application
import android.os.Bundle

/**
 * [activity]'s resumes and pauses, for a screen that must act on them (release the camera,
 * read again what the user changed in Settings): [register] when the view is attached,
 * [unregister] when it is detached. Other Activities' events are ignored.
 */
internal class ActivityResumes(
    private val activity: Activity,
    private val onResumed: () -> Unit,
    private val onPaused: () -> Unit = {},
) : Application.ActivityLifecycleCallbacks {
    fun register() = activity.application.registerActivityLifecycleCallbacks(this)

    fun unregister() = activity.application.unregisterActivityLifecycleCallbacks(this)

    override fun onActivityResumed(a: Activity) {
        if (a === activity) onResumed()
    }

    override fun onActivityPaused(a: Activity) {
        if (a === activity) onPaused()
    }

    override fun onActivityCreated(a: Activity, state: Bundle?) = Unit

    override fun onActivityStarted(a: Activity) = Unit

    override fun onActivityStopped(a: Activity) = Unit

    override fun onActivitySaveInstanceState(a: Activity, state: Bundle) = Unit

    override fun onActivityDestroyed(a: Activity) = Unit
}
