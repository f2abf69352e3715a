package app.companion.robotests

import app.companion.android.PlatformTls
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * The core's JNI entry point for Android's certificate verifier links to
 * [PlatformTls.nativeInit] (a renamed class or a changed signature is an UnsatisfiedLinkError
 * here, not first on a phone) and answers `false` off Android. A plain JVM test: the JNI method
 * is registered with the JVM's own library loader, which Robolectric's sandbox does not share.
 */
class PlatformTlsTest {
    @Test
    fun `the verifier's JNI entry point links from Kotlin and reports no Android trust store on the desktop`() {
        val libdir = requireNotNull(System.getProperty("jna.library.path")) { "jna.library.path is not set: run scripts/kotlin-tests.sh" }
        val library = File(libdir, "libcompanion_ffi.so")
        assertTrue("$library missing", library.isFile)
        System.load(library.absolutePath)
        assertFalse(PlatformTls.nativeInit(Any()))
    }
}
