//! The browser app: the files under the repository's `web/` folder, compiled into the binary
//! (so `cargo run` serves them with no front-end build step) and served at `/`.
//!
//! This module is the router's fallback. A `GET`/`HEAD` for a known file gets that file; any
//! other `GET` outside `/api` that does not look like a file (no extension in its last
//! segment) gets `index.html`, so the app's own paths (`/chat/…`) survive a reload. Everything
//! else — unknown API routes, other methods, missing files — keeps the JSON 404 envelope.
//!
//! The files are listed by hand in [`ASSETS`] rather than discovered at build time: each is an
//! `include_bytes!`, so Cargo rebuilds when one changes, and no build script or embedding crate
//! is needed. A unit test fails when a file in `web/` is missing from the list (or the list
//! names one that is gone). The browser tests in `web/tests/` are not embedded.

use std::sync::LazyLock;

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::http::envelope;

/// One embedded file: its path under `web/` and its bytes.
struct Asset {
    path: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal),+ $(,)?) => {
        &[$(Asset {
            path: $path,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/", $path)),
        }),+]
    };
}

/// Every file of the app. Add a line here when adding a file to `web/`.
const ASSETS: &[Asset] = assets![
    "index.html",
    "app.js",
    "favicon.svg",
    "components/avatar.js",
    "components/banner.js",
    "components/call-view.js",
    "components/channel.js",
    "components/composer.js",
    "components/conversation-actions.js",
    "components/conversation-dialogs.js",
    "components/dom.js",
    "components/help.js",
    "components/lang-switch.js",
    "components/message-list.js",
    "components/message.js",
    "components/modal.js",
    "components/new-dm.js",
    "components/new-room.js",
    "components/quick-switcher.js",
    "components/room-timeline.js",
    "components/sla.js",
    "components/sidebar.js",
    "components/toast.js",
    "i18n/en.js",
    "i18n/ru.js",
    "lib/actions.js",
    "lib/api.js",
    "lib/calls.js",
    "lib/crm.js",
    "lib/crm-live.js",
    "lib/files.js",
    "lib/format.js",
    "lib/i18n.js",
    "lib/inbox.js",
    "lib/notify.js",
    "lib/router.js",
    "lib/socket.js",
    "lib/store.js",
    "lib/sync.js",
    "styles/app.css",
    "styles/crm.css",
    "styles/inbox.css",
    "views/change-password.js",
    "views/chat.js",
    "views/contact-panel.js",
    "views/conversation-deal.js",
    "views/conversation.js",
    "views/crm/companies.js",
    "views/crm/company.js",
    "views/crm/contact-form.js",
    "views/crm/contact.js",
    "views/crm/contacts.js",
    "views/crm/convert-lead.js",
    "views/crm/custom-fields.js",
    "views/crm/deal.js",
    "views/crm/duplicates.js",
    "views/crm/filters.js",
    "views/crm/form.js",
    "views/crm/index.js",
    "views/crm/kanban.js",
    "views/crm/lead.js",
    "views/crm/leads.js",
    "views/crm/merge-dialog.js",
    "views/crm/new-deal.js",
    "views/crm/new-lead.js",
    "views/crm/new-task.js",
    "views/crm/parts.js",
    "views/crm/record-parts.js",
    "views/crm/task-parts.js",
    "views/crm/tasks.js",
    "views/guest.js",
    "views/inbox-list.js",
    "views/inbox.js",
    "views/login.js",
    "views/pins.js",
    "views/room.js",
    "views/search.js",
    "views/thread.js",
    // The admin screens.
    "lib/admin.js",
    "styles/admin.css",
    "views/admin/canned.js",
    "views/admin/custom-fields.js",
    "views/admin/departments.js",
    "views/admin/index.js",
    "views/admin/line.js",
    "views/admin/lines.js",
    "views/admin/pipelines.js",
    "views/admin/users.js",
];

/// Scripts, styles, images and connections only from this origin; no inline script or style,
/// no plugins, no framing. `blob:` images are attachment previews fetched with the token.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; \
     connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// File names carry no content hash, so the browser revalidates every time; the `ETag` makes
/// that a 304 without a body.
const CACHE_CONTROL: &str = "no-cache";

/// Each asset's `ETag`, computed once from its bytes.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("\"{:016x}\"", fnv1a(asset.bytes)))
        .collect()
});

/// The router's fallback: the app for browser paths, the JSON 404 for everything else.
pub async fn fallback(request: Request) -> Response {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return envelope::not_found().await.into_response();
    }
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return envelope::not_found().await.into_response();
    }
    let relative = path.trim_start_matches('/');
    let index = if relative.is_empty() {
        find("index.html")
    } else {
        find(relative).or_else(|| (!looks_like_file(relative)).then(|| find("index.html"))?)
    };
    match index {
        Some(index) => serve(index, request.headers(), method == Method::HEAD),
        None => envelope::not_found().await.into_response(),
    }
}

fn find(path: &str) -> Option<usize> {
    ASSETS.iter().position(|asset| asset.path == path)
}

/// A last segment with an extension names a file; a missing file is a 404, not the app.
fn looks_like_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|segment| segment.contains('.'))
}

fn serve(index: usize, headers: &HeaderMap, head: bool) -> Response {
    let asset = &ASSETS[index];
    let etag = &ETAGS[index];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else if head {
        (StatusCode::OK, Body::empty())
    } else {
        (StatusCode::OK, Body::from(asset.bytes))
    };
    let mut response = (status, body).into_response();
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.path)),
    );
    if !fresh {
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(asset.bytes.len()));
    }
    if let Ok(value) = HeaderValue::from_str(etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// FNV-1a, 64 bits: enough to tell two versions of a file apart for caching.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, path::Path};

    use axum::{Router, body::to_bytes};
    use tower::ServiceExt;

    use super::*;

    fn files_under(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}"));
            let relative = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if path.is_dir() {
                // The widget script is served on its own (`widget::script`), not as the app.
                if relative != "tests" && relative != "widget" {
                    files_under(root, &path, found);
                }
            } else {
                found.insert(relative);
            }
        }
    }

    #[test]
    fn every_file_of_the_web_folder_is_embedded_and_nothing_else() {
        // Arrange
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
        let mut on_disk = BTreeSet::new();
        files_under(&root, &root, &mut on_disk);
        // Act
        let embedded: BTreeSet<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        // Assert
        assert_eq!(on_disk, embedded, "update ASSETS in gateway/src/web.rs");
    }

    async fn get(path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::builder().uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Router::new()
            .fallback(fallback)
            .oneshot(request.body(Body::empty()).unwrap_or_default())
            .await
            .unwrap_or_else(|never| match never {})
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn the_root_serves_the_app_with_a_strict_policy() {
        // Act
        let response = get("/", &[]).await;
        // Assert
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        let policy = header(&response, header::CONTENT_SECURITY_POLICY);
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        assert!(
            String::from_utf8_lossy(&body).contains("<script type=\"module\" src=\"/app.js\">")
        );
    }

    #[tokio::test]
    async fn app_paths_fall_back_to_the_index_and_assets_get_their_types() {
        // Act
        let page = get("/chat/0192aa", &[]).await;
        let script = get("/lib/api.js", &[]).await;
        let style = get("/styles/app.css", &[]).await;
        // Assert
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            header(&page, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            header(&script, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            header(&style, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
    }

    #[tokio::test]
    async fn api_paths_and_missing_files_stay_json_404s() {
        for path in ["/api", "/api/v1/nope", "/lib/missing.js"] {
            // Act
            let response = get(path, &[]).await;
            // Assert
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(
                header(&response, header::CONTENT_TYPE).starts_with("application/json"),
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn a_matching_etag_gets_304_without_a_body() {
        // Arrange
        let first = get("/app.js", &[]).await;
        let etag = header(&first, header::ETAG).to_owned();
        // Act
        let again = get("/app.js", &[("if-none-match", &etag)]).await;
        // Assert
        assert!(!etag.is_empty());
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let body = to_bytes(again.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        assert!(body.is_empty());
    }
}
