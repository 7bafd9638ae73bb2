//! The dashboard in a real browser: headless Chromium, driven over WebDriver (chromedriver via
//! `fantoccini`), against the real server with a job queue and a worker. Like a user, the test
//! signs in through the login address `hypomics serve` prints, starts a run of the bundled demo
//! study from the home page, watches the job page until the run is done, then follows the links
//! (run -> best hypothesis -> graph explorer), checks that the plots and the explorer's graph were
//! drawn and that the browser console shows no errors, and saves a screenshot of every page under
//! `target/browser-artifacts/`.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium` (Debian's `chromium-driver` and
//! `chromium`; `.ci/run` installs them). Without them the test prints why and passes, unless
//! `HYPOMICS_REQUIRE_BROWSER` is set, as it is in CI.

mod common;
#[path = "browser/driver.rs"]
mod driver;

use common::get;
use driver::{Driver, assert_console_is_read, assert_no_console_errors, screenshot, within};
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Polls `script` (a JavaScript function body whose `return` is the state to wait for) until it
/// returns something truthy, failing after `secs` seconds with `what` and the last value.
async fn wait_until(client: &Client, what: &str, secs: u64, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = Value::Null;
    while Instant::now() < deadline {
        last = within(what, 20, client.execute(script, vec![]))
            .await
            .unwrap_or_else(|e| panic!("{what}: script failed: {e}"));
        let ready = match &last {
            Value::Null | Value::Bool(false) => false,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        };
        if ready {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("gave up after {secs} s waiting for {what}; last state {last}");
}

/// Opens `url` and waits until the document has loaded.
async fn open(client: &Client, url: &str) {
    within(&format!("loading {url}"), 40, client.goto(url))
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    wait_until(
        client,
        &format!("{url} to finish loading"),
        30,
        "return document.readyState === 'complete';",
    )
    .await;
}

/// Clicks the first link matching the CSS selector `css` and waits for the page it leads to;
/// returns the link's `href`.
async fn follow(client: &Client, css: &str) -> String {
    let link = within(
        &format!("finding a link {css}"),
        20,
        client.wait().for_element(Locator::Css(css)),
    )
    .await
    .unwrap_or_else(|e| panic!("no link {css} on the page: {e}"));
    let href = within("reading a link", 10, link.attr("href"))
        .await
        .expect("href")
        .expect("a link with an href");
    within(&format!("clicking {href}"), 40, link.click())
        .await
        .unwrap_or_else(|e| panic!("clicking {href}: {e}"));
    wait_until(
        client,
        &format!("navigation to {href}"),
        30,
        &format!(
            "return document.readyState === 'complete' && \
             (location.pathname + location.search) === {};",
            serde_json::to_string(&href).expect("JSON string")
        ),
    )
    .await;
    href
}

/// Per SVG on the page: how many marks (circles, paths, lines, rects, polylines, text) it has
/// and its rendered size; only SVGs that are laid out (non-zero box) count.
const SVG_MARKS: &str = "return Array.from(document.querySelectorAll('svg')).map(function (s) {\
    var r = s.getBoundingClientRect();\
    return { id: s.id || '', width: r.width, height: r.height,\
      circles: s.querySelectorAll('circle').length, paths: s.querySelectorAll('path').length,\
      lines: s.querySelectorAll('line, polyline').length, rects: s.querySelectorAll('rect').length,\
      texts: s.querySelectorAll('text').length };\
  }).filter(function (s) { return s.width > 0 && s.height > 0; });";

fn count(svg: &Value, key: &str) -> u64 {
    svg[key].as_u64().unwrap_or(0)
}

/// A plot with data in it: points or curves (scatter, volcano, box and survival plots all have
/// them), beyond the lines and rects of bare axes, and some text (axes, labels).
fn has_data(svg: &Value) -> bool {
    count(svg, "circles") + count(svg, "paths") >= 3 && count(svg, "texts") > 0
}

/// Anything drawn at all: a laid-out SVG with no marks is a broken plot.
fn drawn(svg: &Value) -> bool {
    ["circles", "paths", "lines", "rects", "texts"]
        .iter()
        .any(|k| count(svg, k) > 0)
}

/// The demo run's budget, set in the dashboard's run form: small, so the run takes seconds.
const DEMO_ANALYSES: &str = "8";

/// The real server as `hypomics serve` runs it with a workspace: a job queue with the bundled
/// demo study registered, one worker, and a token for writes. Stops when the sender is dropped.
async fn start_server(dir: &Path, token: &str) -> (SocketAddr, oneshot::Sender<()>) {
    let server = web::Server::bind(web::ServerConfig {
        store: dir.join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig::new(dir.join("workspace"))),
        access: web::auth::AccessPolicy::new(Some(token.to_owned()), false),
        limits: Default::default(),
    })
    .await
    .expect("bind the server");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    (addr, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_headless_chromium() {
    let (chromedriver, chromium) = match driver::binaries() {
        Ok(found) => found,
        Err(why) => {
            if std::env::var_os(driver::REQUIRE_ENV).is_some() {
                panic!(
                    "browser test required ({} is set) but {why}",
                    driver::REQUIRE_ENV
                );
            }
            eprintln!("NOTE: the dashboard was NOT tested in a browser: {why}");
            return;
        }
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let token = web::auth::generate_token();
    let (addr, stop_server) = within(
        "starting the server (it loads the demo study)",
        120,
        start_server(dir.path(), &token),
    )
    .await;
    let artifacts = driver::artifacts_dir();
    let driver = Driver::start(
        &chromedriver,
        &chromium,
        &artifacts.join("chromedriver.log"),
    );
    let client = driver.session().await;
    // The whole walk has one deadline on top of every step's own.
    within(
        "the browser walk through the dashboard",
        480,
        walk(&client, &driver, addr, &token, &artifacts),
    )
    .await;
    within("closing the browser", 20, client.close())
        .await
        .expect("close the session");
    drop(driver);
    drop(stop_server);
    println!(
        "browser test done in {:.1} s; artefacts in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
}

async fn walk(client: &Client, driver: &Driver, addr: SocketAddr, token: &str, artifacts: &Path) {
    let base = format!("http://{addr}");

    // 1. Sign in through the address `hypomics serve` prints; it lands on the home page.
    open(client, &format!("{base}/login?token={token}")).await;
    wait_until(
        client,
        "the login to land on the home page",
        20,
        "return location.pathname === '/' && !!document.getElementById('run-demo');",
    )
    .await;
    let title = within("title", 10, client.title()).await.expect("title");
    assert!(title.contains("hypomics"), "home title {title:?}");
    assert_no_console_errors(client, driver, "/").await;
    assert_console_is_read(client, driver).await;
    screenshot(client, artifacts, "01-home").await;

    // 2. Start a small run of the demo study from the home page's form; it opens the job page.
    let budget = within(
        "the run form",
        20,
        client.find(Locator::Css("#run-demo input[name=max_analyses]")),
    )
    .await
    .expect("the run form's analyses field");
    within("setting the budget", 10, async {
        budget.clear().await?;
        budget.send_keys(DEMO_ANALYSES).await
    })
    .await
    .expect("type the budget");
    let button = within(
        "the run button",
        10,
        client.find(Locator::Css("#run-demo button[type=submit]")),
    )
    .await
    .expect("the run button");
    within("clicking Run", 20, button.click())
        .await
        .expect("click Run");
    let job = wait_until(
        client,
        "the job page after clicking Run",
        30,
        "var error = document.querySelector('#run-demo .status.bad');\
         if (error) { return 'error: ' + error.textContent; }\
         return location.pathname.indexOf('/jobs/') === 0 ? location.pathname : '';",
    )
    .await;
    let job = job.as_str().expect("job path").to_owned();
    assert!(job.starts_with("/jobs/"), "the run form says {job}");
    // The page follows the job's events until it ends.
    let state = wait_until(
        client,
        "the demo job to finish",
        300,
        "var s = document.getElementById('job-state').textContent.trim();\
         return ['done', 'failed', 'cancelled'].indexOf(s) >= 0 ? s : '';",
    )
    .await;
    let log = within(
        "the job's progress",
        10,
        client.execute(
            "return { message: document.getElementById('job-message').textContent,\
               progress: document.getElementById('job-progress-label').textContent,\
               events: document.querySelectorAll('#job-log tr').length };",
            vec![],
        ),
    )
    .await
    .expect("job progress");
    println!("{job}: {state} {log}");
    assert_eq!(state, "done", "the demo job did not succeed: {log}");
    assert!(
        count(&log, "events") > 0,
        "the job page showed no events: {log}"
    );
    assert_no_console_errors(client, driver, &job).await;
    screenshot(client, artifacts, "02-job").await;

    // 3. The run the job recorded: its hypotheses appear (reload until listed).
    let run = follow(client, "#run-link[href^=\"/runs/\"]").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let listed = loop {
        let n = within(
            "counting hypotheses",
            10,
            client.execute(
                "return document.querySelectorAll('a[href^=\"/hypotheses/\"]').length;",
                vec![],
            ),
        )
        .await
        .expect("count hypotheses")
        .as_u64()
        .unwrap_or(0);
        if n > 0 {
            break n;
        }
        assert!(
            Instant::now() < deadline,
            "no hypotheses listed on {run} within 60 s"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        within("reloading the run page", 40, client.refresh())
            .await
            .expect("reload");
    };
    println!("{run}: {listed} hypothesis links");
    assert_no_console_errors(client, driver, &run).await;
    screenshot(client, artifacts, "03-run").await;

    // 4. The best hypothesis: evidence, provenance and plots of the data.
    let hypothesis = follow(client, "a[href^=\"/hypotheses/\"]").await;
    let svgs = wait_until(client, "plots on the hypothesis page", 30, SVG_MARKS).await;
    println!("{hypothesis}: SVGs {svgs}");
    let svgs = svgs.as_array().expect("SVG list");
    assert!(
        svgs.iter().any(has_data),
        "no plot with data on {hypothesis}: {svgs:?}"
    );
    assert!(
        svgs.iter().all(drawn),
        "an empty SVG on {hypothesis}: {svgs:?}"
    );
    assert_no_console_errors(client, driver, &hypothesis).await;
    screenshot(client, artifacts, "04-hypothesis").await;

    // 5. The graph explorer around that hypothesis (if this build has it).
    let explore = get(addr, "/explore").await;
    if explore.status == 404 {
        println!("NOTE: /explore is not served by this build; explorer not checked");
        return;
    }
    assert_eq!(explore.status, 200, "/explore: {}", explore.body);
    let explorer = follow(client, "a[href^=\"/explore?hypothesis=\"]").await;
    let nodes = wait_until(
        client,
        "nodes drawn by the graph explorer",
        30,
        "var svg = document.getElementById('explore-svg');\
         return svg ? svg.querySelectorAll('.node').length : 0;",
    )
    .await;
    let state = within(
        "explorer status",
        10,
        client.execute(
            "var svg = document.getElementById('explore-svg');\
             return { status: document.getElementById('explore-status').textContent,\
               circles: svg.querySelectorAll('circle').length,\
               edges: svg.querySelectorAll('line, path').length,\
               hypotheses: svg.querySelectorAll('.node-hypothesis').length,\
               gene: (svg.querySelector('.node-gene text') || {}).textContent || '',\
               clinical: (svg.querySelector('.node-clinical text') || {}).textContent || '' };",
            vec![],
        ),
    )
    .await
    .expect("explorer state");
    println!("{explorer}: {nodes} nodes, {state}");
    let status = state["status"].as_str().unwrap_or_default();
    assert!(
        !status.contains("could not") && !status.contains("failed"),
        "explorer says {status:?}"
    );
    assert!(
        count(&state, "circles") >= 2
            && count(&state, "edges") >= 1
            && count(&state, "hypotheses") == 1,
        "explorer drew too little: {state}"
    );
    assert_no_console_errors(client, driver, &explorer).await;
    screenshot(client, artifacts, "05-explore").await;

    // 6. The explorer's search: the neighbourhood of the hypothesis's gene, or of the clinical
    // variable a module hypothesis was tested against (a module has no single gene).
    let gene = [&state["gene"], &state["clinical"]]
        .into_iter()
        .filter_map(|name| name.as_str())
        .find(|name| !name.is_empty())
        .unwrap_or_default()
        .to_owned();
    assert!(
        !gene.is_empty(),
        "no gene or clinical node around the hypothesis: {state}"
    );
    let search = within(
        "the explorer's search box",
        10,
        client.find(Locator::Css("#explore-q")),
    )
    .await
    .expect("search box");
    within("searching a gene", 20, async {
        search.clear().await?;
        search.send_keys(&gene).await?;
        client
            .find(Locator::Css("#explore-search button[type=submit]"))
            .await?
            .click()
            .await
    })
    .await
    .expect("search for the gene");
    let hood = wait_until(
        client,
        &format!("the explorer to show {gene}'s neighbourhood"),
        30,
        &format!(
            "var status = document.getElementById('explore-status').textContent;\
             var nodes = document.querySelectorAll('#explore-svg .node').length;\
             return status.indexOf({0} + ':') === 0 && nodes >= 2\
               ? {{ status: status, nodes: nodes, address: location.search }} : null;",
            serde_json::to_string(&gene).expect("JSON string")
        ),
    )
    .await;
    println!("explorer search {gene}: {hood}");
    assert_no_console_errors(client, driver, "/explore (search)").await;
    screenshot(client, artifacts, "06-explore-gene").await;
}
