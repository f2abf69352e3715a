package app.companion.android

import android.content.Context

/**
 * Hands the JVM and the app's Context to the core's certificate verifier
 * (rustls-platform-verifier), so TLS to the ERP is checked against Android's trust store:
 * system and user CAs, a company's MDM-installed CA, revocation. [CompanionProvider] calls it
 * once, before the first client is opened; until then the core uses its bundled roots and logs
 * that it does.
 *
 * The verifier's own Kotlin half ships as a local Maven repository inside the
 * `rustls-platform-verifier-android` crate; the Gradle build adds it (android/README.md).
 */
object PlatformTls {
    @Volatile
    private var installed: Boolean? = null

    /**
     * Installs the verifier once per process; `true` when Android's verifier is in use.
     * Loads the core's library through the JVM (JNA, which the bindings use, loads it too but
     * does not register JNI methods).
     */
    @Synchronized
    fun install(context: Context, library: String = "companion_ffi"): Boolean =
        installed ?: run {
            System.loadLibrary(library)
            nativeInit(context.applicationContext).also { installed = it }
        }

    /**
     * The core's JNI entry point (uniffi-bindings/src/android_tls.rs): `true` once the verifier
     * has the JVM and [context], `false` off Android. Call [install] instead.
     */
    @JvmStatic
    external fun nativeInit(context: Any): Boolean
}
