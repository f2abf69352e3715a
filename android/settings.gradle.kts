// The Android app build for a developer's machine (Android SDK + NDK, Google's Maven): Gradle
// with AGP. Not run on the build machines, which reach neither Google's Maven nor Gradle's
// distributions; there android/pom.xml builds and tests the same sources (see README.md).
// ManifestRulesTest/GradleBuildFilesTest (robolectric-tests) keep these files in step with
// the source tree.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // The Kotlin half of rustls-platform-verifier (Android's trust store for the core's
        // TLS), published by its authors as a Maven archive on GitHub; only that group.
        maven {
            url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
            content { includeGroup("rustls") }
        }
    }
}

rootProject.name = "companion-android"

// :shell is an Android library over the shell's sources (android/shell, which Maven also
// builds), the generated bindings and the Flow layer, with the Rust library per ABI.
// :app is the installable app: its own manifest (push service, server URL), Firebase.
include(":shell", ":app")
