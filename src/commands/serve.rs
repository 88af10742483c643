//! `sousuo serve`.

use sousuo::serve::{serve, ServeEvent, ServeOptions};

use crate::cli::options::index_dir;
use crate::cli::ServeArgs;
use crate::EXIT_OK;

pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    if args.token.as_deref() == Some("") {
        anyhow::bail!("--token needs a value that is not empty");
    }
    let options = ServeOptions {
        index: index_dir(&args.index),
        listen: args.listen,
        token: args.token.clone(),
    };
    options.check_access(args.no_auth)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let token = args.token.clone();
    let open = args.open;
    let no_auth = args.no_auth;
    runtime.block_on(serve(
        options,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
        move |event| match event {
            ServeEvent::Listening(address) => {
                let mut url = format!("http://{address}/");
                if let Some(token) = &token {
                    url.push_str(&format!("?token={token}"));
                }
                let access = if token.is_some() {
                    "every request needs the token"
                } else if no_auth {
                    "no token: anyone who can connect can read the archive"
                } else {
                    "only this machine can connect"
                };
                println!("sousuo serves {url} ({access}); Ctrl-C stops it");
                if open {
                    open_browser(&url);
                }
            }
            ServeEvent::Reloaded(articles) => {
                eprintln!("index changed: {articles} articles now")
            }
            ServeEvent::ReloadFailed(reason) => {
                eprintln!("warning: the index changed but could not be opened ({reason}); the previous one keeps answering")
            }
        },
    ))?;
    Ok(EXIT_OK)
}

/// Opens `url` in the desktop's browser; says so when there is none.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        eprintln!("warning: could not start {opener}; open {url} yourself");
    }
}
