package app.companion.android.screens

import android.app.Activity
import android.widget.LinearLayout
import app.companion.CompanionClient
import app.companion.core.SessionState
import app.companion.flows.sessionFlow
import app.companion.wire.Account
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch

/**
 * The app's screens and the way between them, routed by the core's session stream: signed out
 * shows [SignInScreen]; a sign-in (or a launch already signed in) shows the signed-in screens
 * and, with [autoSync], runs the core's sync loop until sign-out (it starts with the first
 * download, which [SyncStatusView] shows).
 */
class AppScreens(
    private val activity: Activity,
    private val client: CompanionClient,
    private val host: ScreenHost,
    private val autoSync: Boolean = true,
) {
    fun start(scope: CoroutineScope): Job =
        scope.launch {
            var syncLoop: app.companion.TaskHandle? = null
            try {
                client.sessionFlow()
                    .map { (it as? SessionState.SignedIn)?.account }
                    .distinctUntilChanged { a, b -> a?.id == b?.id }
                    .collect { account ->
                        syncLoop?.let { it.cancel(); it.close() }
                        syncLoop = null
                        if (account == null) {
                            host.show { SignInScreen(activity, client, it) }
                        } else {
                            // The screen first, so its status stream is subscribed when the
                            // first download starts.
                            host.show { signedIn(account, it) }
                            if (autoSync) syncLoop = client.inventory().startAutoSync()
                        }
                    }
            } finally {
                syncLoop?.let { it.cancel(); it.close() }
            }
        }

    private fun signedIn(account: Account, scope: CoroutineScope) =
        LinearLayout(activity).apply {
            screen()
            add(activity.title(account.displayName), 0)
            add(SyncStatusView(activity).apply { follow(client.inventory(), scope) }, 16)
        }
}
