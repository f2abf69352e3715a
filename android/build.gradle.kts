// Versions pinned: AGP 8.7 (Gradle 8.9+, compileSdk 35), Kotlin as in pom.xml, Google
// Services for google-services.json.
plugins {
    id("com.android.application") version "8.7.3" apply false
    id("com.android.library") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.2.21" apply false
    id("com.google.gms.google-services") version "4.4.2" apply false
}
