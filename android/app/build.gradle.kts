// The installable app: the shell library (screens, core, Rust library per ABI) plus what only
// an app has: the application id, the server per build type, Firebase Cloud Messaging.
// Build on a developer machine (see android/README.md, "Build the app with Gradle").
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

// Firebase needs the project's google-services.json (downloaded from the Firebase console,
// never committed). Without it the app builds and runs without push notifications.
if (file("google-services.json").exists()) {
    apply(plugin = "com.google.gms.google-services")
}

android {
    namespace = "app.companion.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "app.companion"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk {
            // What cargo-ndk builds in :shell.
            abiFilters += listOf("arm64-v8a", "x86_64")
        }
    }

    buildTypes {
        getByName("debug") {
            // A `companion serve` on the developer's machine, reached through
            // `adb reverse tcp:8750 tcp:8750` (plain http to loopback: debug only).
            manifestPlaceholders["companionServerUrl"] = "http://127.0.0.1:8750"
        }
        getByName("release") {
            manifestPlaceholders["companionServerUrl"] =
                providers.gradleProperty("companion.serverUrl").getOrElse("https://companion.example")
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    sourceSets {
        getByName("main") {
            manifest.srcFile("src/main/AndroidManifest.xml")
            java.srcDirs("src/main/kotlin")
        }
    }

    packaging {
        jniLibs {
            // Uncompressed and page-aligned in the APK, so the loader maps the 16 KB-aligned
            // library in place.
            useLegacyPackaging = false
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
    implementation(project(":shell"))
    implementation(platform("com.google.firebase:firebase-bom:33.7.0"))
    implementation("com.google.firebase:firebase-messaging")
    // Task.await() for the FCM token.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-play-services:1.10.2")
}
