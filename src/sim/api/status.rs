//! Errors as the API server sends them: `Status` objects with the HTTP code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn not_found(resource: &str, name: &str) -> ApiError {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: format!("{resource} \"{name}\" not found"),
            details: json!({"name": name, "kind": resource}),
        }
    }

    pub fn forbidden(verb: &str, resource: &str, group: &str, namespace: &str) -> ApiError {
        ApiError {
            code: 403,
            reason: "Forbidden",
            message: format!(
                "{resource} is forbidden: User \"system:serviceaccount:opsdeck:sim\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"{namespace}\""
            ),
            details: json!({"kind": resource}),
        }
    }

    pub fn conflict(resource: &str, name: &str) -> ApiError {
        ApiError {
            code: 409,
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            ),
            details: json!({"name": name, "kind": resource}),
        }
    }

    pub fn invalid(kind: &str, name: &str, field: &str, why: &str) -> ApiError {
        ApiError {
            code: 422,
            reason: "Invalid",
            message: format!("{kind} \"{name}\" is invalid: {field}: {why}"),
            details: json!({"name": name, "kind": kind, "causes": [{"reason": "FieldValueInvalid", "message": why, "field": field}]}),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn method_not_allowed(what: &str) -> ApiError {
        ApiError {
            code: 405,
            reason: "MethodNotAllowed",
            message: format!(
                "the server does not allow this method on the requested resource ({what})"
            ),
            details: Value::Null,
        }
    }

    pub fn unsupported_media(ct: &str) -> ApiError {
        ApiError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {ct})"
            ),
            details: Value::Null,
        }
    }

    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError {
            code: 410,
            reason: "Expired",
            message: message.into(),
            details: Value::Null,
        }
    }

    pub fn to_status(&self) -> Value {
        let mut s = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": self.message, "reason": self.reason, "code": self.code});
        if !self.details.is_null() {
            s["details"] = self.details.clone();
        }
        s
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            code,
            [("content-type", "application/json")],
            self.to_status().to_string(),
        )
            .into_response()
    }
}
