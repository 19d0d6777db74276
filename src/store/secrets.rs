//! Keys kept out of the function's configuration: `OS_SECURITY_KEY` and
//! `JWT_VERIFICATION_KEY` read once, at cold start, from AWS Secrets Manager
//! (`<NAME>_SECRET`: a secret's ARN or name) or SSM Parameter Store (`<NAME>_PARAMETER`:
//! a SecureString parameter's name or ARN), instead of a plain environment variable
//! anyone who can read the function's configuration can see.

use std::collections::HashMap;

use aws_config::SdkConfig;

/// The variables whose value may come from a secret store.
const SECRET_VARIABLES: [&str; 2] = ["OS_SECURITY_KEY", "JWT_VERIFICATION_KEY"];

/// A key that could not be read at cold start.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct SecretError {
    variable: String,
    problem: String,
}

/// `lookup`'s variables, with each `<NAME>_SECRET` / `<NAME>_PARAMETER` replaced by
/// `<NAME>` holding the value it names. Asks AWS only when one is set.
pub async fn environment(
    sdk: &SdkConfig,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<HashMap<String, String>, SecretError> {
    let mut resolved = HashMap::new();
    for name in SECRET_VARIABLES {
        let secret = lookup(&format!("{name}_SECRET")).filter(|v| !v.trim().is_empty());
        let parameter = lookup(&format!("{name}_PARAMETER")).filter(|v| !v.trim().is_empty());
        let error = |variable: &str, problem: String| SecretError {
            variable: variable.to_owned(),
            problem,
        };
        let value = match (secret, parameter) {
            (None, None) => continue,
            (Some(_), Some(_)) => {
                return Err(error(
                    name,
                    format!("set {name}_SECRET or {name}_PARAMETER, not both"),
                ));
            }
            (Some(id), None) => {
                let variable = format!("{name}_SECRET");
                let client = aws_sdk_secretsmanager::Client::new(sdk);
                let output = client
                    .get_secret_value()
                    .secret_id(id.trim())
                    .send()
                    .await
                    .map_err(|e| error(&variable, describe(&e, &id)))?;
                output.secret_string.ok_or_else(|| {
                    error(
                        &variable,
                        format!("secret '{id}' holds no text (SecretString)"),
                    )
                })?
            }
            (None, Some(id)) => {
                let variable = format!("{name}_PARAMETER");
                let client = aws_sdk_ssm::Client::new(sdk);
                let output = client
                    .get_parameter()
                    .name(id.trim())
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| error(&variable, describe(&e, &id)))?;
                output
                    .parameter
                    .and_then(|p| p.value)
                    .ok_or_else(|| error(&variable, format!("parameter '{id}' has no value")))?
            }
        };
        if lookup(name).is_some_and(|v| !v.is_empty()) {
            return Err(error(
                name,
                "is set, and read from a secret store too; set only one".to_owned(),
            ));
        }
        resolved.insert(name.to_owned(), value);
    }
    Ok(resolved)
}

/// What went wrong, with the service's error code and the name asked for: never the
/// secret's value.
fn describe<E>(error: &aws_sdk_secretsmanager::error::SdkError<E>, id: &str) -> String
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match error.as_service_error() {
        Some(service) => format!(
            "'{id}' could not be read: {} ({})",
            service.code().unwrap_or("error"),
            service.message().unwrap_or("no message")
        ),
        None => format!("'{id}' could not be read: {error}"),
    }
}
