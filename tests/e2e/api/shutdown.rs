//! Graceful shutdown: sockets are closed with 1001 and in-flight requests finish.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::Message;

use super::ws::{connect_with_header, next_json};
use crate::support::app::TestApp;

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away_and_the_server_exits() {
    // Arrange
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mut socket = connect_with_header(&app, &token).await;
    next_json(&mut socket).await;
    // Act
    app.shutdown.cancel();
    // Assert
    let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match frame {
        Message::Close(Some(close)) => assert_eq!(u16::from(close.code), 1001),
        other => panic!("expected close 1001, got {other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn a_request_in_flight_when_shutdown_begins_still_gets_its_answer() {
    // Arrange: a login whose headers have arrived but whose body has not, so the handler is
    // certainly running when shutdown begins.
    let app = TestApp::spawn().await;
    let body =
        serde_json::json!({"login": app.admin_login, "password": app.admin_password}).to_string();
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Act
    app.shutdown.cancel();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    // Assert
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"token\""));
    app.stop().await;
}
