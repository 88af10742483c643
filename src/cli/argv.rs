//! The command line before clap reads it.

/// `sousuo query -广告 算力` and `sousuo query '-广告 算力'`: a query word written with a
/// leading `-` (to exclude it) would be read by the argument parser as an option. A `-`
/// before a non-ASCII character, a quote, a parenthesis or a `+`, or an argument with a
/// space, cannot be one of sousuo's options: such words, and the other words of the query, are moved after a `--`, in
/// their order, so the parser reads them all as the query.
pub fn query_words_last(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_query_command = args.get(1).is_some_and(|a| a == "query");
    let looks_like_word = |arg: &str| {
        arg.starts_with('-')
            && !arg.starts_with("--")
            && (arg
                .chars()
                .nth(1)
                .is_some_and(|c| !c.is_ascii() || matches!(c, '"' | '(' | '+'))
                || arg.contains(' '))
    };
    let needs_moving = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| looks_like_word(&a.to_string_lossy()));
    if !is_query_command || !needs_moving {
        return args;
    }
    // The options of `query` that take a value, as clap defines them.
    let takes_value: Vec<String> = {
        use clap::CommandFactory;
        let command = super::Cli::command();
        let query = command
            .find_subcommand("query")
            .expect("query is a subcommand");
        query
            .get_arguments()
            .filter(|arg| arg.get_action().takes_values() && !arg.is_positional())
            .flat_map(|arg| {
                let long = arg.get_long().map(|name| format!("--{name}"));
                let short = arg.get_short().map(|name| format!("-{name}"));
                long.into_iter().chain(short)
            })
            .collect()
    };
    let (mut options, mut words) = (Vec::new(), Vec::new());
    let mut value_next = false;
    let mut rest = args.into_iter();
    options.extend(rest.by_ref().take(2));
    for arg in rest.by_ref() {
        let text = arg.to_string_lossy().into_owned();
        if text == "--" {
            break;
        }
        if std::mem::take(&mut value_next) {
            options.push(arg);
        } else if takes_value.contains(&text) {
            value_next = true;
            options.push(arg);
        } else if text.starts_with('-') && !looks_like_word(&text) {
            options.push(arg);
        } else {
            words.push(arg);
        }
    }
    words.extend(rest);
    options.push("--".into());
    options.extend(words);
    options
}
