//! Android's certificate verifier needs the JVM: rustls-platform-verifier asks Android's
//! `X509TrustManager` (system, user and MDM-installed CAs, revocation) through JNI, so the app
//! hands it the JVM and its `Context` once at start-up, before the first client is built:
//!
//! ```kotlin
//! // Application.onCreate, before CompanionClient.open(...)
//! PlatformTls.install(this)
//! ```
//!
//! Until then the core verifies against its bundled roots (and says so in the log). Not a uniffi
//! call: uniffi has no JNI environment to give. On any other platform the entry point only
//! checks its argument and answers `false`, which is how the JVM tests call it.

use jni::EnvUnowned;
use jni::objects::{JClass, JObject};

/// `app.companion.android.PlatformTls.nativeInit(context)`: `true` once Android's verifier is
/// in use for the clients built afterwards, `false` where there is none (not Android). A JNI
/// failure throws a `RuntimeException` in the app; nothing unwinds into the JVM.
#[unsafe(no_mangle)]
pub extern "system" fn Java_app_companion_android_PlatformTls_nativeInit<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) -> bool {
    unowned_env
        .with_env(|env| -> Result<bool, jni::errors::Error> { install(env, context) })
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}

#[cfg(target_os = "android")]
fn install(env: &mut jni::Env<'_>, context: JObject<'_>) -> Result<bool, jni::errors::Error> {
    if context.is_null() {
        return Err(jni::errors::Error::NullPtr("context"));
    }
    rustls_platform_verifier::android::init_with_env(env, context)?;
    companion_core::http::mark_android_verifier_initialised();
    tracing::info!("platform certificate verifier initialised");
    Ok(true)
}

#[cfg(not(target_os = "android"))]
fn install(_env: &mut jni::Env<'_>, context: JObject<'_>) -> Result<bool, jni::errors::Error> {
    if context.is_null() {
        return Err(jni::errors::Error::NullPtr("context"));
    }
    Ok(false)
}
