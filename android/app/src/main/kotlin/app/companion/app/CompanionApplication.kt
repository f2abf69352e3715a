package app.companion.app

import android.app.Application
import android.util.Log
import app.companion.CompanionClient
import app.companion.CompanionException
import app.companion.android.CompanionActivity
import app.companion.android.CompanionProvider
import app.companion.core.SessionState
import app.companion.flows.sessionFlow
import app.companion.wire.PushProvider
import com.google.firebase.FirebaseApp
import com.google.firebase.messaging.FirebaseMessaging
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch
import kotlinx.coroutines.tasks.await

/**
 * Hands the FCM token to the core at every sign-in (the core's `registerToken` sends it only
 * when due: new or rotated token, monthly refresh), so a phone that signs in as someone else
 * is registered for that account. Rotations in between arrive at [FcmService.onNewToken].
 *
 * Without google-services.json (FirebaseApp not initialised) the app runs without push.
 */
class CompanionApplication : Application() {
    private val scope =
        CoroutineScope(
            SupervisorJob() + Dispatchers.Main.immediate +
                // The type only: an exception's message may carry the token or a server reply.
                CoroutineExceptionHandler { _, e -> Log.w(TAG, "push registration stopped: ${e.javaClass.simpleName}") },
        )

    override fun onCreate() {
        super.onCreate()
        if (FirebaseApp.getApps(this).isEmpty()) {
            Log.i(TAG, "no Firebase configuration in this build: push notifications are off")
            return
        }
        scope.launch {
            val client = CompanionProvider.get(this@CompanionApplication, serverUrl(this@CompanionApplication))
            client.sessionFlow()
                .map { (it as? SessionState.SignedIn)?.account?.id }
                .distinctUntilChanged()
                .filterNotNull()
                .collect { registerFcmToken(client, FirebaseMessaging.getInstance().token.await()) }
        }
    }

    companion object {
        const val TAG = "Companion"

        fun serverUrl(app: Application): String = CompanionProvider.configuredServerUrl(app, CompanionActivity.DEFAULT_SERVER_URL)

        /**
         * The one way the app hands a token to the core. Signed out, nothing is sent (the
         * next sign-in registers); offline or refused for now, the next start or rotation
         * tries again. Never logs the token.
         */
        suspend fun registerFcmToken(client: CompanionClient, token: String) {
            try {
                client.push().registerToken(PushProvider.FCM, token, null)
            } catch (e: CompanionException.NotSignedIn) {
                // Registered at the next sign-in.
            } catch (e: CompanionException) {
                Log.w(TAG, "push registration failed: ${e.code()} (retryable: ${e.isRetryable()})")
            }
        }
    }
}
