//! A scripted OpenAI-compatible server on loopback, for testing how the LLM client copes with
//! every way a model endpoint can misbehave.
//!
//! Each incoming `POST /v1/chat/completions` consumes the next [`Step`] of the script, or asks a
//! handler that sees the request ([`FaultServer::respond_with`]); request and response bodies
//! are recorded so tests can check what the client sent (the schema, the corrections) and what
//! it was told (the usage). [`Step::Forward`] relays a request to a real server, which makes the
//! fault server a recording proxy ([`FaultServer::proxy`]). A minimal HTTP/1.1 handler on a
//! tokio `TcpListener` is enough: the client sends one request per connection because every
//! response says `Connection: close`.
//!
//! `real_server` starts a real model server (SmolLM2 through llama.cpp) for the tests that need
//! one.

#![allow(dead_code)] // each test binary uses a different part of the helper

#[cfg(unix)]
pub mod real_server;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// HTTP 200 with this assistant text and, when given, reported (prompt, completion) usage.
    Reply {
        content: String,
        usage: Option<(u32, u32)>,
    },
    /// HTTP 200 whose message has no content but a `refusal`.
    Refusal(String),
    /// This HTTP status with an OpenAI-style error body.
    Status(u16, String),
    /// Waits this long before answering, to outlast the client's timeout.
    Stall(Duration),
    /// HTTP 200 with a body that is not a chat completion.
    Raw(String),
    /// Relays the request body to `POST /v1/chat/completions` on this `host:port` and returns
    /// the upstream status and body unchanged.
    Forward(String),
}

impl Step {
    /// A reply with usage of 10 prompt and 5 completion tokens.
    pub fn reply(content: &str) -> Self {
        Step::Reply {
            content: content.to_string(),
            usage: Some((10, 5)),
        }
    }
}

/// Decides what to do with a request, given its JSON body.
type Handler = Box<dyn FnMut(&Value) -> Step + Send>;

/// A running fault server; stops when dropped.
pub struct FaultServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Value>>>,
    responses: Arc<Mutex<Vec<(u16, Value)>>>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Answers requests with the steps of `script` in order, then with HTTP 500.
    pub async fn start(script: Vec<Step>) -> Self {
        let mut script = VecDeque::from(script);
        Self::respond_with(move |_| {
            script
                .pop_front()
                .unwrap_or_else(|| Step::Status(500, "script exhausted".into()))
        })
        .await
    }

    /// Answers each request with whatever `handler` makes of its body. Requests are handled
    /// one at a time in the order they arrive.
    pub async fn respond_with(handler: impl FnMut(&Value) -> Step + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let responses = Arc::new(Mutex::new(Vec::new()));
        let log = Log {
            requests: Arc::clone(&requests),
            responses: Arc::clone(&responses),
        };
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let log = log.clone();
                tokio::spawn(async move {
                    // A client that gave up mid-reply is part of the script, not an error.
                    let _ = serve(stream, handler, log).await;
                });
            }
        });
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            requests,
            responses,
            task,
        }
    }

    /// A recording proxy in front of a real server listening on `upstream` (`host:port`).
    pub async fn proxy(upstream: &str) -> Self {
        let upstream = upstream.to_string();
        Self::respond_with(move |_| Step::Forward(upstream.clone())).await
    }

    /// Bodies of the chat requests received so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }

    /// Status and body (`Null` when not JSON) of every response sent so far, in order.
    pub fn responses(&self) -> Vec<(u16, Value)> {
        self.responses.lock().unwrap().clone()
    }
}

/// Where a server writes down what it received and what it answered.
#[derive(Clone)]
struct Log {
    requests: Arc<Mutex<Vec<Value>>>,
    responses: Arc<Mutex<Vec<(u16, Value)>>>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Mutex<Handler>>,
    log: Log,
) -> std::io::Result<()> {
    let body = read_request(&mut stream).await?;
    let request = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let step = {
        // Recorded and decided under one lock so that request i always got step i.
        let mut handler = handler.lock().unwrap();
        log.requests.lock().unwrap().push(request.clone());
        handler(&request)
    };
    let (status, payload) = match step {
        Step::Reply { content, usage } => (200, completion(json!(content), None, usage)),
        Step::Refusal(text) => (200, completion(Value::Null, Some(text), Some((10, 3)))),
        Step::Status(code, message) => (
            code,
            json!({"error": {"message": message, "type": "test_error", "param": null, "code": null}})
                .to_string(),
        ),
        Step::Stall(delay) => {
            tokio::time::sleep(delay).await;
            (200, completion(json!("{}"), None, Some((1, 1))))
        }
        Step::Raw(body) => (200, body),
        Step::Forward(upstream) => match forward(&upstream, &body).await {
            Ok(answer) => answer,
            Err(error) => (
                502,
                json!({"error": {"message": format!("proxy: {upstream}: {error}")}}).to_string(),
            ),
        },
    };
    log.responses.lock().unwrap().push((
        status,
        serde_json::from_str(&payload).unwrap_or(Value::Null),
    ));
    let response = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{payload}",
        reason(status),
        payload.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Reads one request and returns its body (headers are only needed for the length).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(Vec::new());
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let headers = String::from_utf8_lossy(&buffer[..header_end]).to_ascii_lowercase();
    let length: usize = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(buffer[header_end..].to_vec())
}

/// Sends `body` to a real server's chat endpoint and returns its status and body.
async fn forward(upstream: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(upstream).await?;
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {upstream}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let header_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers in the upstream response"))?
        + 4;
    let headers = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status in the upstream response"))?;
    if headers.contains("transfer-encoding: chunked") {
        return Err(invalid("chunked upstream responses are not supported"));
    }
    let mut payload = &raw[header_end..];
    let length = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    if let Some(length) = length {
        payload = &payload[..length.min(payload.len())];
    }
    Ok((status, String::from_utf8_lossy(payload).into_owned()))
}

fn completion(content: Value, refusal: Option<String>, usage: Option<(u32, u32)>) -> String {
    let mut body = json!({
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-server",
        "choices": [{
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": content, "refusal": refusal}
        }]
    });
    if let Some((prompt, completion)) = usage {
        body["usage"] = json!({
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion
        });
    }
    body.to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
