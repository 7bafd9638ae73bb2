//! Schedules: cron validation naming the bad field, next occurrences in an explicit zone across
//! daylight-saving changes (Europe/Berlin), firing driven by a hand-moved clock (no real waiting),
//! one firing per occurrence even with two servers and after downtime, the async loop `hypomics
//! serve` runs, and the schedules API and page.

mod batch_support;
#[allow(dead_code)]
#[path = "browser/driver.rs"]
mod driver;

use batch_support::at;
use graph::Timestamp;
use graph::control::{ControlStore, JobFilter, JobTrigger, NewStudy, StudySource};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use web::jobs::{Clock, ManualClock};
use web::schedule::{self, CronError, CronSchedule};

fn next(expr: &str, zone: &str, after: &str) -> String {
    CronSchedule::parse(expr, zone)
        .expect("valid")
        .next_after(at(after))
        .expect("an occurrence")
        .to_string()
}

#[test]
fn invalid_expressions_and_zones_name_what_is_wrong() {
    let err = |expr: &str, zone: &str| CronSchedule::parse(expr, zone).expect_err(expr).to_string();
    let hour = err("0 25 * * *", "UTC");
    assert!(hour.contains("hour field `25`"), "{hour}");
    let minute = err("61 * * * *", "UTC");
    assert!(minute.contains("minute field `61`"), "{minute}");
    let month = err("0 6 * 13 *", "UTC");
    assert!(month.contains("month field `13`"), "{month}");
    let weekday = err("0 6 * * funday", "UTC");
    assert!(weekday.contains("day-of-week field"), "{weekday}");
    let count = err("0 6 * *", "UTC");
    assert!(count.contains("has 4 fields; expected 5"), "{count}");
    // Six fields (seconds) are another dialect; refused rather than misread.
    assert!(err("0 0 6 * * *", "UTC").contains("has 6 fields"));
    let zone = err("0 6 * * *", "Mars/Olympus_Mons");
    assert!(
        zone.contains("unknown time zone `Mars/Olympus_Mons`"),
        "{zone}"
    );
    assert!(matches!(
        CronSchedule::parse("0 6 31 2 *", "UTC"),
        Err(CronError::Never { .. })
    ));
    assert!(CronSchedule::parse("*/15 6-18 * * mon-fri", "America/New_York").is_ok());
}

#[test]
fn occurrences_are_wall_clock_times_in_the_zone_across_daylight_saving_changes() {
    let berlin = "Europe/Berlin";
    // 06:00 in Berlin is 05:00 UTC in winter (CET) and 04:00 UTC in summer (CEST); the change
    // was at 02:00 on Sunday 29 March 2026.
    assert_eq!(
        next("0 6 * * *", berlin, "2026-03-27T12:00:00Z"),
        "2026-03-28T05:00:00.000Z"
    );
    assert_eq!(
        next("0 6 * * *", berlin, "2026-03-28T05:00:00Z"),
        "2026-03-29T04:00:00.000Z"
    );
    // 02:30 does not exist on 29 March: it fires at the first instant after the gap (03:00
    // CEST = 01:00 UTC), and at 02:30 again the next day.
    assert_eq!(
        next("30 2 * * *", berlin, "2026-03-28T12:00:00Z"),
        "2026-03-29T01:00:00.000Z"
    );
    assert_eq!(
        next("30 2 * * *", berlin, "2026-03-29T01:00:00Z"),
        "2026-03-30T00:30:00.000Z"
    );
    // 02:30 happens twice on 25 October (CEST, then CET): it fires once, at the first.
    assert_eq!(
        next("30 2 * * *", berlin, "2026-10-24T12:00:00Z"),
        "2026-10-25T00:30:00.000Z"
    );
    assert_eq!(
        next("30 2 * * *", berlin, "2026-10-25T00:30:00Z"),
        "2026-10-26T01:30:00.000Z"
    );
    // Asked during the repeated hour's second pass (02:10 CET), "next" is still in the future,
    // never the first pass's 02:30 that already fired.
    assert_eq!(
        next("30 2 * * *", berlin, "2026-10-25T01:10:00Z"),
        "2026-10-26T01:30:00.000Z"
    );
    // An hourly schedule across the autumn change keeps moving forward, at least an hour apart.
    let hourly = CronSchedule::parse("0 * * * *", berlin).expect("valid");
    let mut t = at("2026-10-24T22:30:00Z");
    let mut seen = Vec::new();
    while t < at("2026-10-25T04:00:00Z") {
        let n = hourly.next_after(t).expect("occurrence");
        assert!(n.millis() - t.millis() >= if seen.is_empty() { 1 } else { 3_600_000 });
        seen.push(n);
        t = n;
    }
    assert!(seen.len() >= 4, "{seen:?}");
    // Occurrences fall on the whole minute whatever the fraction of a second it is now.
    assert_eq!(
        next("0 6 * * *", berlin, "2026-03-27T12:00:00.731Z"),
        "2026-03-28T05:00:00.000Z"
    );
    assert_eq!(
        next("0 6 * * *", berlin, "2026-03-28T05:00:00.250Z"),
        "2026-03-29T04:00:00.000Z"
    );
    // The same expression in another zone is another instant.
    assert_eq!(
        next("0 6 * * *", "America/New_York", "2026-03-27T12:00:00Z"),
        "2026-03-28T10:00:00.000Z"
    );
    assert_eq!(
        CronSchedule::parse("0 6 * * *", berlin)
            .expect("valid")
            .local_text(at("2026-03-29T04:00:00Z")),
        "2026-03-29 06:00 CEST"
    );
}

fn control_with_study(path: Option<&std::path::Path>) -> (ControlStore, graph::control::StudyId) {
    let mut control = match path {
        Some(p) => ControlStore::open(p).expect("store"),
        None => ControlStore::open_in_memory().expect("store"),
    };
    let study = control
        .register_study(
            NewStudy {
                name: "demo".into(),
                source: StudySource::Demo,
                path: None,
                profile: None,
            },
            Timestamp::from_millis(0),
        )
        .expect("study");
    (control, study.id)
}

#[test]
fn a_schedule_fires_when_the_clock_reaches_it_and_once_after_downtime() {
    let (mut control, study) = control_with_study(None);
    // 05:00 CET on Saturday 28 March 2026.
    let clock = ManualClock::new(at("2026-03-28T04:00:00Z"));
    let added = schedule::add(
        &mut control,
        study,
        "0 6 * * *",
        "Europe/Berlin",
        batch_support::tiny_spec(2),
        true,
        clock.now(),
    )
    .expect("add");
    assert_eq!(
        added.next_run_at.map(|t| t.to_string()).as_deref(),
        Some("2026-03-28T05:00:00.000Z")
    );
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );
    clock.advance(Duration::from_secs(59 * 60));
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );
    clock.advance(Duration::from_secs(60));
    let fired = schedule::tick(&mut control, &clock).expect("tick");
    assert_eq!(fired.len(), 1);
    // The next morning is after the change to summer time: 06:00 CEST.
    assert_eq!(
        fired[0].next_run_at.map(|t| t.to_string()).as_deref(),
        Some("2026-03-29T04:00:00.000Z")
    );
    let job = control.job(fired[0].job).expect("job");
    assert_eq!(job.trigger, JobTrigger::Schedule);
    assert_eq!(job.schedule, Some(added.id));
    assert!(!job.force, "scheduled jobs rely on change detection");
    assert_eq!(job.spec["max_analyses"], 2);
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );

    // Three days without a server: the missed mornings fire once, not three times.
    clock.advance(Duration::from_secs(3 * 86_400));
    let fired = schedule::tick(&mut control, &clock).expect("tick");
    assert_eq!(fired.len(), 1);
    assert!(fired[0].next_run_at.expect("next") > clock.now());
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );
    let stored = control.schedule(added.id).expect("schedule");
    assert_eq!(stored.last_run_at, Some(clock.now()));
    assert_eq!(stored.last_job, Some(fired[0].job));

    // Paused schedules do not fire; resuming starts from the next occurrence, not the missed one.
    let paused = schedule::update(
        &mut control,
        &stored,
        &stored.cron,
        &stored.timezone,
        &stored.spec,
        false,
        clock.now(),
    )
    .expect("pause");
    clock.advance(Duration::from_secs(2 * 86_400));
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );
    let resumed = schedule::update(
        &mut control,
        &paused,
        &paused.cron,
        &paused.timezone,
        &paused.spec,
        true,
        clock.now(),
    )
    .expect("resume");
    assert!(resumed.next_run_at.expect("next") > clock.now());
    assert!(
        schedule::tick(&mut control, &clock)
            .expect("tick")
            .is_empty()
    );
    let jobs = control.jobs(&JobFilter::default()).expect("jobs");
    assert_eq!(jobs.len(), 2);
}

#[test]
fn two_servers_ticking_one_store_fire_each_occurrence_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let (mut control, study) = control_with_study(Some(&store));
    let clock = Arc::new(ManualClock::new(at("2026-06-01T00:00:00Z")));
    for minute in 0..5 {
        schedule::add(
            &mut control,
            study,
            &format!("{minute} 3 * * *"),
            "UTC",
            json!({}),
            true,
            clock.now(),
        )
        .expect("add");
    }
    drop(control);
    clock.set(at("2026-06-01T04:00:00Z"));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let clock = clock.clone();
            std::thread::spawn(move || {
                let mut control = ControlStore::open(&store).expect("store");
                (0..5)
                    .map(|_| {
                        schedule::tick(&mut control, clock.as_ref())
                            .expect("tick")
                            .len()
                    })
                    .sum::<usize>()
            })
        })
        .collect();
    let fired: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    assert_eq!(fired, 5);
    let control = ControlStore::open(&store).expect("store");
    assert_eq!(control.jobs(&JobFilter::default()).expect("jobs").len(), 5);
}

#[tokio::test]
async fn the_serving_loop_fires_due_schedules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let (mut control, study) = control_with_study(Some(&store));
    let clock = Arc::new(ManualClock::new(at("2026-06-01T00:00:00Z")));
    schedule::add(
        &mut control,
        study,
        "30 7 * * *",
        "Asia/Tokyo",
        json!({}),
        true,
        clock.now(),
    )
    .expect("add");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(schedule::run_loop(
        store.clone(),
        clock.clone(),
        Duration::from_millis(20),
        async move {
            let _ = stop_rx.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        control
            .jobs(&JobFilter::default())
            .expect("jobs")
            .is_empty()
    );
    // 07:30 in Tokyo is 22:30 UTC the day before.
    clock.set(at("2026-06-01T22:30:00Z"));
    let mut jobs = Vec::new();
    for _ in 0..250 {
        jobs = control.jobs(&JobFilter::default()).expect("jobs");
        if !jobs.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].trigger, JobTrigger::Schedule);
    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("loop stops")
        .expect("loop task");
}

const TOKEN: &str = "schedule-test-token";

struct Served {
    addr: std::net::SocketAddr,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve() -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(at("2026-03-28T04:00:00Z")));
    let config = web::ServerConfig {
        store: dir.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            workers: 0,
            ..web::WorkspaceConfig::new(dir.path())
        }),
        access: web::auth::AccessPolicy::new(Some(TOKEN.into()), false),
        limits: Default::default(),
    };
    let server = web::Server::bind_with_clock(config, clock.clone())
        .await
        .expect("bind");
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = rx.await;
    }));
    Served {
        addr,
        clock,
        _dir: dir,
        _stop: tx,
    }
}

async fn call(
    addr: std::net::SocketAddr,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    token: bool,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("http://{addr}{path}"));
    if token {
        request = request.bearer_auth(TOKEN);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.expect("request");
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn schedules_api_and_page() {
    use reqwest::Method;
    let s = serve().await;
    let addr = s.addr;
    let good = json!({"study": "demo", "cron": "0 6 * * *", "timezone": "Europe/Berlin",
                      "spec": {"max_analyses": 3, "permutations": 0}});

    let (status, body) = call(
        addr,
        Method::POST,
        "/api/schedules",
        Some(good.clone()),
        false,
    )
    .await;
    assert_eq!(status, 401, "{body}");

    let mut bad = good.clone();
    bad["cron"] = json!("0 24 * * *");
    let (status, body) = call(addr, Method::POST, "/api/schedules", Some(bad), true).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("hour field `24`"),
        "{body}"
    );

    let mut bad = good.clone();
    bad["timezone"] = json!("CEST");
    let (status, body) = call(addr, Method::POST, "/api/schedules", Some(bad), true).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("time zone"),
        "{body}"
    );

    let mut bad = good.clone();
    bad["every"] = json!("day");
    let (status, body) = call(addr, Method::POST, "/api/schedules", Some(bad), true).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("every"), "{body}");

    let mut bad = good.clone();
    bad["spec"] = json!({"max_analyses": 0});
    let (status, body) = call(addr, Method::POST, "/api/schedules", Some(bad), true).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("max_analyses"),
        "{body}"
    );

    let mut bad = good.clone();
    bad["study"] = json!("no-such-study");
    let (status, _) = call(addr, Method::POST, "/api/schedules", Some(bad), true).await;
    assert_eq!(status, 404);

    let (status, body) = call(addr, Method::POST, "/api/schedules", Some(good), true).await;
    assert_eq!(status, 201, "{body}");
    let created = &body["schedule"];
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["study_name"], "demo");
    assert_eq!(created["next_run_at"], "2026-03-28T05:00:00.000Z");
    assert_eq!(created["next_run_local"], "2026-03-28 06:00 CET");
    assert_eq!(created["spec"]["max_analyses"], 3);

    let (status, body) = call(addr, Method::GET, "/api/schedules", None, false).await;
    assert_eq!(status, 200);
    assert_eq!(body["schedules"].as_array().map(Vec::len), Some(1));
    let (status, body) = call(
        addr,
        Method::GET,
        &format!("/api/schedules/{id}"),
        None,
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["schedule"]["cron"], "0 6 * * *");

    let (status, body) = call(
        addr,
        Method::GET,
        "/api/schedules/preview?cron=30%202%20*%20*%20*&timezone=Europe/Berlin&count=2",
        None,
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], true);
    assert_eq!(body["next"][0]["local"], "2026-03-29 03:00 CEST");
    assert_eq!(body["next"][1]["local"], "2026-03-30 02:30 CEST");

    let (status, body) = call(
        addr,
        Method::GET,
        "/api/schedules/preview?cron=0%206%20*%20*%208&timezone=UTC",
        None,
        false,
    )
    .await;
    assert_eq!(
        status, 200,
        "an invalid expression is an answer, not a failed request"
    );
    assert_eq!(body["valid"], false);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("day-of-week field `8`"),
        "{body}"
    );

    // The server's scheduler fires it once the (hand-moved) clock passes 06:00 CET.
    s.clock.set(at("2026-03-28T05:00:30Z"));
    let mut fired = Value::Null;
    for _ in 0..100 {
        let (_, body) = call(addr, Method::GET, "/api/jobs", None, false).await;
        if body["jobs"].as_array().is_some_and(|j| !j.is_empty()) {
            fired = body["jobs"][0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(fired["trigger"], "schedule", "{fired}");
    assert_eq!(fired["schedule"], id);
    let (_, body) = call(
        addr,
        Method::GET,
        &format!("/api/schedules/{id}"),
        None,
        false,
    )
    .await;
    assert_eq!(body["schedule"]["last_job"], fired["id"]);
    assert_eq!(body["schedule"]["next_run_local"], "2026-03-29 06:00 CEST");

    let path = format!("/api/schedules/{id}");
    let (status, _) = call(
        addr,
        Method::PATCH,
        &path,
        Some(json!({"enabled": false})),
        false,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = call(
        addr,
        Method::PATCH,
        &path,
        Some(json!({"cron": "15 22 * * 5", "timezone": "America/New_York"})),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Friday 3 April 2026 22:15 EDT.
    assert_eq!(body["schedule"]["next_run_local"], "2026-04-03 22:15 EDT");
    assert_eq!(body["schedule"]["spec"]["max_analyses"], 3, "spec kept");
    let (status, body) = call(
        addr,
        Method::PATCH,
        &path,
        Some(json!({"cron": "every day"})),
        true,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(
        addr,
        Method::PATCH,
        &path,
        Some(json!({"enabled": false})),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedule"]["enabled"], false);

    let page = reqwest::get(format!("http://{addr}/schedules"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("15 22 * * 5"), "page lists the schedule");
    assert!(page.contains("America/New_York"));
    assert!(page.contains("id=\"schedule-form\""), "page has the form");
    assert!(!page.contains("src=\"http"), "no external scripts");

    let (status, _) = call(addr, Method::DELETE, &path, None, true).await;
    assert_eq!(status, 204);
    let (status, _) = call(addr, Method::GET, &path, None, false).await;
    assert_eq!(status, 404);
    let (status, _) = call(addr, Method::DELETE, &path, None, true).await;
    assert_eq!(status, 404);
    // The job the schedule queued stays.
    let (_, body) = call(addr, Method::GET, "/api/jobs", None, false).await;
    assert_eq!(body["jobs"].as_array().map(Vec::len), Some(1));
}

/// Runs `script` (a function body) in the page until it returns something truthy.
async fn wait_for(client: &fantoccini::Client, what: &str, script: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut last = Value::Null;
    while std::time::Instant::now() < deadline {
        last = driver::within(what, 20, client.execute(script, vec![]))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let ready = match &last {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if ready {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("gave up waiting for {what}; last {last}");
}

async fn set_field(client: &fantoccini::Client, name: &str, value: &str) {
    let field = driver::within(
        name,
        10,
        client.find(fantoccini::Locator::Css(&format!(
            "#schedule-form [name={name}]"
        ))),
    )
    .await
    .unwrap_or_else(|e| panic!("form field {name}: {e}"));
    driver::within(name, 10, async {
        field.clear().await?;
        field.send_keys(value).await
    })
    .await
    .unwrap_or_else(|e| panic!("typing into {name}: {e}"));
}

async fn click(client: &fantoccini::Client, css: &str) {
    let element = driver::within(css, 10, client.find(fantoccini::Locator::Css(css)))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    driver::within(css, 10, element.click())
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// The schedules page in headless Chromium: the live preview (and its error naming the field),
/// adding a schedule through the form, pausing and removing it, with no console errors. Skips
/// without chromedriver unless `HYPOMICS_REQUIRE_BROWSER` is set, like `browser.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_page_in_headless_chromium() {
    let (chromedriver, chromium) = match driver::binaries() {
        Ok(found) => found,
        Err(why) => {
            assert!(
                std::env::var_os(driver::REQUIRE_ENV).is_none(),
                "browser test required but {why}"
            );
            eprintln!("NOTE: the schedules page was NOT tested in a browser: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let server = web::Server::bind(web::ServerConfig {
        store: dir.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            workers: 0,
            ..web::WorkspaceConfig::new(dir.path().join("ws"))
        }),
        access: web::auth::AccessPolicy::new(Some(TOKEN.into()), false),
        limits: Default::default(),
    })
    .await
    .expect("bind");
    let base = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let driver = driver::Driver::start(
        &chromedriver,
        &chromium,
        &dir.path().join("chromedriver.log"),
    );
    let client = driver.session().await;
    let open = |url: String| {
        let client = client.clone();
        async move {
            driver::within(&url, 30, client.goto(&url))
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    };
    open(format!("{base}/login?token={TOKEN}")).await;
    open(format!("{base}/schedules")).await;
    wait_for(
        &client,
        "the form",
        "return !!document.getElementById('schedule-form');",
    )
    .await;

    set_field(&client, "cron", "0 25 * * *").await;
    let shown = wait_for(
        &client,
        "the preview to flag the hour",
        "var p = document.getElementById('schedule-preview'); \
         return p.className.indexOf('bad') >= 0 ? p.textContent : '';",
    )
    .await;
    assert!(
        shown.as_str().unwrap_or("").contains("hour field `25`"),
        "{shown}"
    );

    set_field(&client, "cron", "0 6 * * 1-5").await;
    set_field(&client, "timezone", "Europe/Berlin").await;
    set_field(&client, "max_analyses", "3").await;
    set_field(&client, "permutations", "0").await;
    let shown = wait_for(
        &client,
        "the preview of the next runs",
        "var p = document.getElementById('schedule-preview'); \
         return p.textContent.indexOf('next: ') === 0 ? p.textContent : '';",
    )
    .await;
    assert!(shown.as_str().unwrap_or("").contains("06:00 CE"), "{shown}");

    click(&client, "#schedule-form button[type=submit]").await;
    let row = wait_for(
        &client,
        "the new schedule in the table",
        "var r = document.querySelector('tr[data-id]'); return r ? r.textContent : '';",
    )
    .await;
    let row = row.as_str().unwrap_or("");
    assert!(
        row.contains("0 6 * * 1-5") && row.contains("Europe/Berlin"),
        "{row}"
    );
    assert!(row.contains("3 analyses"), "{row}");

    click(&client, "tr[data-id] button[data-action=disable]").await;
    wait_for(
        &client,
        "the schedule to show as paused",
        "var r = document.querySelector('tr[data-id]'); \
         return r && r.textContent.indexOf('paused') >= 0;",
    )
    .await;
    driver::within(
        "accepting the confirmation",
        10,
        client.execute("window.confirm = function () { return true; };", vec![]),
    )
    .await
    .expect("stub confirm");
    click(&client, "tr[data-id] button[data-action=delete]").await;
    wait_for(
        &client,
        "the table to empty",
        "return document.body.textContent.indexOf('No schedules yet.') >= 0;",
    )
    .await;
    driver::assert_no_console_errors(&client, &driver, "/schedules").await;
    driver::within("closing the browser", 20, client.close())
        .await
        .expect("close");
    drop(driver);
    drop(stop);
}
