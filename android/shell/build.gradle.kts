// The shell as an Android library for the Gradle app build (android/app): the same sources
// Maven compiles against android-all here (src/main/kotlin), plus the generated bindings and
// the Flow layer, the shell's manifest and resources (merged into the app's), and
// libcompanion_ffi.so per ABI built by cargo-ndk from the workspace.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

/** The Cargo workspace (Cargo.toml two levels up). */
val workspace: File = rootDir.parentFile

/** ABIs shipped: phones (arm64-v8a) and the emulator on x86_64 hosts. */
val abis = listOf("arm64-v8a", "x86_64")

/** Cargo profile: size-tuned release with unwinding panics (Cargo.toml), also for debug APKs (the decoder is unusable unoptimised). */
val cargoProfile: String = providers.gradleProperty("companion.cargoProfile").getOrElse("release-mobile")

val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")

android {
    namespace = "app.companion.android"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            manifest.srcFile("src/main/AndroidManifest.xml")
            java.srcDirs(
                "src/main/kotlin",
                "../bindings/src/main/kotlin",
                "../flows/src/main/kotlin",
            )
            res.srcDirs("src/main/res")
            jniLibs.srcDir(rustJniLibs)
        }
        // Debug only: the network security config that allows plain http to loopback.
        getByName("debug") {
            res.srcDirs("src/debug/res")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

dependencies {
    // uniffi's generated code loads the library through JNA; the AAR carries JNA's own
    // native dispatch library per ABI. Same version as pom.xml.
    api("net.java.dev.jna:jna:5.18.1@aar")
    // Dispatchers.Main on a device; brings kotlinx-coroutines-core (pom.xml: 1.10.2).
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
    // The verifier's Kotlin half, which PlatformTls hands the JVM to: its version must be the
    // rustls-platform-verifier-android crate's that the library was linked with (Cargo.lock).
    implementation("rustls:rustls-platform-verifier:${cargoLockVersion("rustls-platform-verifier-android")}")
}

/** The version Cargo.lock pins for [crate], so the Kotlin and Rust halves cannot drift apart. */
fun cargoLockVersion(crate: String): String {
    val lines = workspace.resolve("Cargo.lock").readLines()
    val at = lines.indexOfFirst { it.trim() == "name = \"$crate\"" }
    require(at >= 0) { "$crate is not in Cargo.lock" }
    return lines[at + 1].trim().removePrefix("version = ").trim('"')
}

/**
 * libcompanion_ffi.so for each ABI with cargo-ndk (`cargo install cargo-ndk`, NDK r26+ via
 * ANDROID_NDK_HOME or the SDK's ndk/ folder), into build/rustJniLibs/<abi>/.
 *
 * 16 KB pages: Android 15 devices may use 16 KB memory pages, and Google Play requires
 * native libraries aligned for them; the linker flag aligns the library's LOAD segments to
 * 16 KB (harmless on 4 KB devices). Given per target so build scripts and proc macros (host
 * code) are not linked with it.
 */
val cargoNdk by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds libcompanion_ffi.so for $abis with cargo-ndk"
    workingDir = workspace
    val pageSize = "-C link-arg=-Wl,-z,max-page-size=16384"
    environment("CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS", pageSize)
    environment("CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS", pageSize)
    commandLine(
        listOf("cargo", "ndk") +
            abis.flatMap { listOf("-t", it) } +
            listOf("--platform", "24", "-o", rustJniLibs.get().asFile.absolutePath, "build", "--profile", cargoProfile, "-p", "companion-ffi"),
    )
    inputs.files(fileTree(workspace) {
        include("Cargo.toml", "Cargo.lock", "*/Cargo.toml", "*/src/**", "*/build.rs", "*/*.toml")
        exclude("target/**", "android/**", "ios/**")
    })
    inputs.property("abis", abis)
    inputs.property("profile", cargoProfile)
    outputs.dir(rustJniLibs)
}

tasks.named("preBuild") { dependsOn(cargoNdk) }
