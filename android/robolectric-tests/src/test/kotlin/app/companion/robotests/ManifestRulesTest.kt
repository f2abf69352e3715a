package app.companion.robotests

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.w3c.dom.Document
import org.w3c.dom.Element
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/**
 * What the installed app declares, read from the manifests an app build merges: the shell's
 * (android/shell/src/main) and the Gradle app module's (android/app/src/main); on a developer
 * machine also the merged manifest AGP wrote, given as -Dcompanion.mergedManifest=<path>.
 *
 * - every permission belongs to a feature that asks for it at the point of use, and never
 *   ACCESS_BACKGROUND_LOCATION;
 * - backups and device transfers leave out the core's data directory and the secure storage
 *   (where CompanionProvider and KeystoreSecureStorage actually put them);
 * - plain http only to loopback, and only in debug builds.
 *
 * A plain JVM test (JUnit 4, no Robolectric): it reads files, as tests/tests/android_backup_rules.rs
 * does for the backup rules on the Rust side.
 */
class ManifestRulesTest {
    private val androidDir = File(Fixtures.repo, "android")
    private val shellMain = File(androidDir, "shell/src/main")

    private fun parse(file: File): Document {
        assertTrue("$file is missing", file.isFile)
        return DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }.newDocumentBuilder().parse(file)
    }

    private fun Document.elements(name: String): List<Element> =
        getElementsByTagName(name).let { list -> (0 until list.length).map { list.item(it) as Element } }

    private fun Element.android(name: String): String? = getAttributeNS(ANDROID, name).takeIf { hasAttributeNS(ANDROID, name) }

    private fun Element.tools(name: String): String? = getAttributeNS(TOOLS, name).takeIf { hasAttributeNS(TOOLS, name) }

    /** The manifests a build merges, in merge order (a library's, then the app's). */
    private val manifests: List<File> =
        listOfNotNull(
            File(shellMain, "AndroidManifest.xml"),
            File(androidDir, "app/src/main/AndroidManifest.xml"),
            System.getProperty("companion.mergedManifest")?.takeIf { it.isNotBlank() }?.let(::File),
        )

    /**
     * The permissions after merging: every uses-permission (and -sdk-23) of every manifest,
     * less those a manifest removes with tools:node="remove".
     */
    private fun mergedPermissions(): Set<String> {
        val declared = mutableSetOf<String>()
        val removed = mutableSetOf<String>()
        for (file in manifests) {
            val doc = parse(file)
            for (tag in listOf("uses-permission", "uses-permission-sdk-23")) {
                for (e in doc.elements(tag)) {
                    val name = e.android("name") ?: error("$file: <$tag> without a name")
                    if (e.tools("node") == "remove") removed += name else declared += name
                }
            }
        }
        return declared - removed
    }

    @Test
    fun everyPermissionBelongsToAFeatureAskedAtItsPointOfUse() {
        val permissions = mergedPermissions()
        val merged = System.getProperty("companion.mergedManifest")?.isNotBlank() == true
        for (p in permissions) {
            val feature = FEATURE_OF[p] ?: if (merged) FCM_TRANSPORT[p] else null
            assertTrue("$p is not tied to any feature of the app (allowed: ${FEATURE_OF.keys})", feature != null)
        }
        assertFalse("never background location", "android.permission.ACCESS_BACKGROUND_LOCATION" in permissions)

        // Tied in code too: each runtime permission is one PointOfUsePermissions asks for.
        val asker = File(shellMain, "kotlin/app/companion/android/PointOfUsePermissions.kt").readText()
        for (p in permissions - "android.permission.INTERNET" - FCM_TRANSPORT.keys) {
            assertTrue("$p is declared but PointOfUsePermissions never asks for it", "Manifest.permission.${p.substringAfterLast('.')}" in asker)
        }
        // And the features that ship need theirs: the scanner its camera, the settings screen notifications.
        for (needed in listOf("android.permission.INTERNET", "android.permission.CAMERA", "android.permission.POST_NOTIFICATIONS")) {
            assertTrue("$needed is missing", needed in permissions)
        }
        // The camera is optional hardware: phones without one still install (manual entry).
        val camera = parse(File(shellMain, "AndroidManifest.xml")).elements("uses-feature").filter { it.android("name")!!.startsWith("android.hardware.camera") }
        assertTrue("a camera uses-feature, not required: ${camera.map { it.android("name") }}", camera.isNotEmpty() && camera.all { it.android("required") == "false" })
    }

    /** Where the shell keeps the core's data and the sealed secrets, from its sources. */
    private fun whereTheShellKeepsData(): Pair<String, String> {
        val provider = File(shellMain, "kotlin/app/companion/android/CompanionProvider.kt").readText()
        val dir = Regex("""File\(app\.filesDir, "([^"]+)"\)""").find(provider)?.groupValues?.get(1) ?: error("CompanionProvider puts the core under filesDir")
        val storage = File(shellMain, "kotlin/app/companion/android/KeystoreSecureStorage.kt").readText()
        val prefs = Regex("""PREFERENCES_FILE = "([^"]+)"""").find(storage)?.groupValues?.get(1) ?: error("KeystoreSecureStorage names its preferences file")
        return dir to prefs
    }

    private fun xmlResource(reference: String?, sourceSet: String = "main"): File {
        assertTrue("an @xml/ resource: $reference", reference != null && reference.startsWith("@xml/"))
        return File(androidDir, "shell/src/$sourceSet/res/xml/${reference!!.removePrefix("@xml/")}.xml")
    }

    /** The application attribute [name] after merging (the app's value wins where it sets one). */
    private fun applicationAttribute(name: String): String? =
        manifests.mapNotNull { file -> parse(file).elements("application").singleOrNull()?.android(name) }.lastOrNull()

    private fun assertExcludes(section: Element, what: String, dir: String, prefs: String) {
        val excludes = (0 until section.childNodes.length).map { section.childNodes.item(it) }.filterIsInstance<Element>().filter { it.tagName == "exclude" }
        fun has(domain: String, path: String) = excludes.any { it.getAttribute("domain") == domain && it.getAttribute("path") == path }
        assertTrue("$what keeps $dir/ (the core's databases) out", has("file", "$dir/"))
        assertTrue("$what keeps $prefs.xml (the sealed secrets) out", has("sharedpref", "$prefs.xml"))
        val includes = (0 until section.childNodes.length).map { section.childNodes.item(it) }.filterIsInstance<Element>().filter { it.tagName == "include" }
        assertTrue("$what has no include list (it would back up only what it names, or re-add excluded files): $includes", includes.isEmpty())
    }

    @Test
    fun backupsAndTransfersLeaveTheCoresDataOut() {
        assertTrue("rules, not a blanket backup", applicationAttribute("allowBackup") != "true")
        val (dir, prefs) = whereTheShellKeepsData()
        val extraction = parse(xmlResource(applicationAttribute("dataExtractionRules")))
        for (part in listOf("cloud-backup", "device-transfer")) {
            val sections = extraction.elements(part)
            assertEquals("one <$part> (Android 12+)", 1, sections.size)
            assertExcludes(sections.single(), part, dir, prefs)
        }
        val full = parse(xmlResource(applicationAttribute("fullBackupContent")))
        assertExcludes(full.documentElement.also { assertEquals("full-backup-content", it.tagName) }, "full-backup-content (Android 11 and earlier)", dir, prefs)
    }

    @Test
    fun plainHttpOnlyToLoopbackAndOnlyInDebug() {
        val reference = applicationAttribute("networkSecurityConfig")
        for (file in manifests) {
            val app = parse(file).elements("application").singleOrNull() ?: continue
            assertTrue("$file: usesCleartextTraffic is not switched on", app.android("usesCleartextTraffic") != "true")
        }
        // Release (main): TLS only, system CAs only.
        val release = parse(xmlResource(reference))
        val cleartext = release.elements("*").filter { it.getAttribute("cleartextTrafficPermitted") == "true" }
        assertTrue("no cleartext in the release config: ${cleartext.map { it.tagName }}", cleartext.isEmpty())
        assertEquals("false", release.elements("base-config").single().getAttribute("cleartextTrafficPermitted"))
        assertTrue("no user-installed CAs in release", release.elements("certificates").none { it.getAttribute("src") == "user" })

        // Debug: the same, plus loopback over http.
        val debug = parse(xmlResource(reference, "debug"))
        assertEquals("false", debug.elements("base-config").single().getAttribute("cleartextTrafficPermitted"))
        val open = debug.elements("domain-config").filter { it.getAttribute("cleartextTrafficPermitted") == "true" }
        assertTrue("debug allows loopback over http", open.isNotEmpty())
        for (config in open) {
            for (domain in config.getElementsByTagName("domain").let { l -> (0 until l.length).map { l.item(it) as Element } }) {
                assertTrue("cleartext only to loopback, not ${domain.textContent}", domain.textContent.trim() in LOOPBACK)
                assertTrue("no subdomains of ${domain.textContent}", domain.getAttribute("includeSubdomains") != "true")
            }
        }
        // No other build type has its own config that could open more.
        val others = File(androidDir, "shell/src").listFiles().orEmpty().filter { it.name != "main" && it.name != "debug" && File(it, "res/xml/${reference!!.removePrefix("@xml/")}.xml").exists() }
        assertTrue("only debug overrides the network security config: $others", others.isEmpty())
    }

    private companion object {
        const val ANDROID = "http://schemas.android.com/apk/res/android"
        const val TOOLS = "http://schemas.android.com/tools"
        val LOOPBACK = setOf("127.0.0.1", "localhost")

        /** Each permission the app may hold, and the feature that asks for it. */
        val FEATURE_OF =
            mapOf(
                "android.permission.INTERNET" to "sync, sign-in, push registration",
                "android.permission.CAMERA" to "scanning (ScannerScreen), proof of delivery photos",
                "android.permission.ACCESS_FINE_LOCATION" to "proof of delivery (while in use)",
                "android.permission.ACCESS_COARSE_LOCATION" to "proof of delivery (while in use, approximate)",
                "android.permission.POST_NOTIFICATIONS" to "notification categories (NotificationSettingsScreen)",
            )

        /**
         * Install-time permissions firebase-messaging's AAR merges in for the push transport
         * (delivery of FCM messages): accepted only when checking a real merged manifest.
         */
        val FCM_TRANSPORT =
            mapOf(
                "com.google.android.c2dm.permission.RECEIVE" to "push: FCM delivery",
                "android.permission.WAKE_LOCK" to "push: FCM delivery while the phone sleeps",
                "android.permission.ACCESS_NETWORK_STATE" to "push: FCM/Firebase connectivity checks",
            )
    }
}
