package app.companion.android

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import app.companion.CompanionClient
import app.companion.core.CompanionConfig
import app.companion.core.LogLevel
import app.companion.core.DeviceInfo
import app.companion.initPlatform
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import java.io.File

/**
 * Creates the one [CompanionClient] the app uses, on first need, with the app's private files
 * directory as its data directory. Everything (screens, workers) asks this provider, so the
 * core's database and runtime are opened exactly once per process.
 *
 * Opening reads secure storage and the account database, so it suspends; it runs on the core's
 * threads and is main-safe (`lifecycleScope.launch { CompanionProvider.get(this, url) }`).
 */
object CompanionProvider {
    @Volatile
    private var companion: CompanionClient? = null
    private val opening = Mutex()

    suspend fun get(context: Context, serverUrl: String): CompanionClient =
        companion ?: opening.withLock {
            companion ?: open(context.applicationContext, serverUrl).also { companion = it }
        }

    /**
     * The server this build talks to: the `app.companion.SERVER_URL` meta-data of the
     * application (the Gradle app module sets it per build type), else [fallback].
     */
    fun configuredServerUrl(context: Context, fallback: String): String =
        try {
            val app = context.applicationContext
            @Suppress("DEPRECATION")
            val info = app.packageManager.getApplicationInfo(app.packageName, PackageManager.GET_META_DATA)
            info.metaData?.getString(SERVER_URL_META_DATA)?.takeIf { it.isNotBlank() } ?: fallback
        } catch (e: PackageManager.NameNotFoundException) {
            fallback
        }

    const val SERVER_URL_META_DATA = "app.companion.SERVER_URL"

    /** The client if it has been opened already (for code that cannot suspend). Cheap. */
    fun getIfOpen(): CompanionClient? = companion

    private suspend fun open(app: Context, serverUrl: String): CompanionClient {
        // Logging and the async runtime are set up once for the process, before the first call.
        initPlatform(LogcatLogSink(), if (isDebuggable(app)) LogLevel.DEBUG else LogLevel.INFO)
        // Android's trust store for TLS, before the client builds its HTTP connection.
        PlatformTls.install(app)
        val dataDir = File(app.filesDir, "companion")
        val device =
            DeviceInfo(
                platform = "android",
                model = "${Build.MANUFACTURER} ${Build.MODEL}",
                osVersion = "Android ${Build.VERSION.RELEASE} (API ${Build.VERSION.SDK_INT})",
                appVersion = appVersion(app),
            )
        return CompanionClient.open(
            CompanionConfig(dataDir = dataDir.absolutePath, serverUrl = serverUrl, device = device),
            KeystoreSecureStorage(app),
        )
    }

    private fun appVersion(app: Context): String =
        try {
            app.packageManager.getPackageInfo(app.packageName, 0).versionName ?: "unknown"
        } catch (e: PackageManager.NameNotFoundException) {
            "unknown"
        }

    private fun isDebuggable(app: Context): Boolean =
        (app.applicationInfo.flags and android.content.pm.ApplicationInfo.FLAG_DEBUGGABLE) != 0
}
