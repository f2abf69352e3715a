package app.companion.robotests

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * The Gradle app build (android/settings.gradle.kts, shell/ and app/build.gradle.kts) cannot
 * run here (no Google Maven, no Gradle distribution, no SDK/NDK), so this keeps its files from
 * rotting against the tree Maven does build: every source folder and file they name exists,
 * the shell library compiles exactly the folders Maven compiles, versions match pom.xml, and
 * the Rust library is built for the ABIs the app ships with 16 KB page alignment.
 */
class GradleBuildFilesTest {
    private val androidDir = File(Fixtures.repo, "android")

    private fun read(path: String): String = File(androidDir, path).also { assertTrue("$it is missing", it.isFile) }.readText()

    /** The quoted paths given to srcDir/srcDirs/srcFile in a build file. */
    private fun sourcePaths(build: String): List<String> =
        Regex("""\b(?:srcDirs?|srcFile)\(([^)]*)\)""").findAll(build).flatMap { call ->
            Regex(""""([^"$]+)"""").findAll(call.groupValues[1]).map { it.groupValues[1] }
        }.toList()

    private fun pomProperty(name: String): String =
        Regex("<$name>([^<]+)</$name>").find(read("pom.xml"))?.groupValues?.get(1) ?: error("pom.xml has no <$name>")

    @Test
    fun everyModuleAndSourceFolderExists() {
        val settings = read("settings.gradle.kts")
        val modules = Regex("""include\(([^)]*)\)""").findAll(settings).flatMap { Regex("\":([^\"]+)\"").findAll(it.groupValues[1]).map { m -> m.groupValues[1] } }.toList()
        assertEquals(listOf("shell", "app"), modules)
        for (module in modules) {
            val build = read("$module/build.gradle.kts")
            val paths = sourcePaths(build)
            assertTrue("$module names its source folders", paths.isNotEmpty())
            for (path in paths) {
                val target = File(androidDir, "$module/$path")
                assertTrue("$module/build.gradle.kts names $path, which does not exist ($target)", target.exists())
            }
        }
    }

    @Test
    fun theShellLibraryCompilesWhatMavenCompiles() {
        val paths = sourcePaths(read("shell/build.gradle.kts")).map { File(androidDir, "shell/$it").canonicalFile }
        for (mavenSources in listOf("shell/src/main/kotlin", "bindings/src/main/kotlin", "flows/src/main/kotlin")) {
            assertTrue("the shell library compiles $mavenSources", File(androidDir, mavenSources).canonicalFile in paths)
        }
        assertTrue("the shell's manifest is the library's", File(androidDir, "shell/src/main/AndroidManifest.xml").canonicalFile in paths)
        assertTrue("debug resources (the loopback network config) are the debug source set's", File(androidDir, "shell/src/debug/res").canonicalFile in paths)
    }

    @Test
    fun versionsMatchTheMavenBuild() {
        val root = read("build.gradle.kts")
        val shell = read("shell/build.gradle.kts")
        val app = read("app/build.gradle.kts")
        assertTrue("Kotlin ${pomProperty("kotlin.version")}", root.contains("id(\"org.jetbrains.kotlin.android\") version \"${pomProperty("kotlin.version")}\""))
        assertTrue("JNA ${pomProperty("jna.version")}", shell.contains("net.java.dev.jna:jna:${pomProperty("jna.version")}@aar"))
        assertTrue("coroutines ${pomProperty("coroutines.version")}", shell.contains("kotlinx-coroutines-android:${pomProperty("coroutines.version")}"))
        assertTrue("coroutines ${pomProperty("coroutines.version")}", app.contains("kotlinx-coroutines-play-services:${pomProperty("coroutines.version")}"))
        val agp = Regex("""id\("com.android.application"\) version "(\d+)\.(\d+)\.(\d+)"""").find(root) ?: error("AGP version not pinned")
        assertEquals("AGP 8.x", "8", agp.groupValues[1])
        val gradle = Regex("""gradle-(\d+)\.(\d+)(?:\.\d+)?-bin\.zip""").find(read("gradle/wrapper/gradle-wrapper.properties")) ?: error("Gradle version not pinned")
        // AGP 8.7 needs Gradle 8.9 or newer.
        assertTrue("Gradle ${gradle.value} runs AGP ${agp.value}", gradle.groupValues[1].toInt() == 8 && gradle.groupValues[2].toInt() >= 9)
    }

    @Test
    fun theRustLibraryIsBuiltPerAbiWith16KbPages() {
        val shell = read("shell/build.gradle.kts")
        val app = read("app/build.gradle.kts")
        val abis = Regex("""val abis = listOf\(([^)]*)\)""").find(shell)?.groupValues?.get(1) ?: error("no ABI list in shell/build.gradle.kts")
        assertEquals("\"arm64-v8a\", \"x86_64\"", abis.trim())
        assertTrue("the app ships the ABIs the shell builds", app.contains("abiFilters += listOf($abis)"))
        assertTrue("16 KB page alignment", shell.contains("-C link-arg=-Wl,-z,max-page-size=16384"))
        for (triple in listOf("AARCH64_LINUX_ANDROID", "X86_64_LINUX_ANDROID")) {
            assertTrue("flags for $triple", shell.contains("CARGO_TARGET_${triple}_RUSTFLAGS"))
        }
        val ffi = File(Fixtures.repo, "uniffi-bindings/Cargo.toml").readText()
        assertTrue("cargo builds the package uniffi generated the bindings from", ffi.contains("name = \"companion-ffi\"") && shell.contains("\"-p\", \"companion-ffi\""))
        val profile = Regex("""getOrElse\("([^"]+)"\)""").find(shell)?.groupValues?.get(1) ?: error("no default cargo profile")
        assertTrue("profile $profile exists in Cargo.toml", File(Fixtures.repo, "Cargo.toml").readText().contains("[profile.$profile]"))
    }

    @Test
    fun theAppManifestsPlaceholdersAreSetForEveryBuildType() {
        val manifest = read("app/src/main/AndroidManifest.xml")
        val app = read("app/build.gradle.kts")
        val placeholders = Regex("""\$\{(\w+)\}""").findAll(manifest).map { it.groupValues[1] }.toSet()
        for (p in placeholders) {
            assertEquals("$p is set for debug and release", 2, Regex("""manifestPlaceholders\["$p"\]""").findAll(app).count())
        }
        // The services and Application it names exist in the app's sources.
        for (cls in Regex("""android:name="(app\.companion\.app\.\w+)"""").findAll(manifest).map { it.groupValues[1] }) {
            assertTrue("$cls exists", File(androidDir, "app/src/main/kotlin/${cls.replace('.', '/')}.kt").isFile)
        }
    }
}
