package app.companion.android

import android.app.Activity
import android.os.Bundle
import app.companion.CompanionClient
import app.companion.android.screens.AppScreens
import app.companion.android.screens.Problem
import app.companion.android.screens.ScreenHost
import app.companion.android.screens.screenScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * The app's one Activity: opens the core through [CompanionProvider] and hands the screen to
 * [AppScreens], which routes on the session. Its scope is cancelled in onDestroy, which stops
 * every stream the screens collect (no AndroidX lifecycle needed). It is the screens'
 * [DeliveryCamera] (the system camera app).
 */
open class CompanionActivity : Activity(), DeliveryCamera {
    private val scope = screenScope()
    private val camera = SystemCameraCapture(this)
    private lateinit var host: ScreenHost
    private var permissions: PointOfUsePermissions? = null

    /** The server: the launching Intent's, else the build's (manifest meta-data, see [CompanionProvider.configuredServerUrl]). */
    protected open val serverUrl: String
        get() = intent?.getStringExtra(EXTRA_SERVER_URL) ?: CompanionProvider.configuredServerUrl(this, DEFAULT_SERVER_URL)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        host = ScreenHost(this, scope)
        scope.launch {
            try {
                val client = openClient()
                val asker = PointOfUsePermissions(this@CompanionActivity, client.permissions())
                permissions = asker
                AppScreens(this@CompanionActivity, client, host, asker).start(this)
            } catch (e: app.companion.CompanionException) {
                setContentView(android.widget.TextView(this@CompanionActivity).apply { text = Problem.of(e).message })
            }
        }
    }

    /** The process's client ([CompanionProvider]); tests hand in their own. */
    protected open suspend fun openClient(): CompanionClient = CompanionProvider.get(this, serverUrl)

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        if (this.permissions?.onRequestPermissionsResult(requestCode, permissions, grantResults) != true) {
            super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        }
    }

    /** Delivery photos from the system camera app (see [SystemCameraCapture]). */
    override suspend fun takePhoto(): ByteArray? = camera.takePhoto()

    @Deprecated("Framework result callback; the Activity Result API is AndroidX.")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: android.content.Intent?) {
        if (!camera.onActivityResult(requestCode, resultCode)) {
            @Suppress("DEPRECATION")
            super.onActivityResult(requestCode, resultCode, data)
        }
    }

    @Deprecated("Framework back handling; OnBackPressedDispatcher is AndroidX.")
    override fun onBackPressed() {
        if (!host.back()) super.onBackPressed()
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    companion object {
        const val EXTRA_SERVER_URL = "app.companion.SERVER_URL"
        const val DEFAULT_SERVER_URL = "https://companion.example"
    }
}
