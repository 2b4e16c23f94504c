//! One endpoint parser for `--endpoint`, the environment and the config file: the same
//! rules and messages, exit 2 for a flag and 3 for a setting, user information never shown.

use crate::support::*;

const PASSWORD: &str = "S3cretPass";

fn assert_refused(output: &std::process::Output, code: i32) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    assert!(!err.contains(PASSWORD), "the password leaked: {err}");
    assert!(!stdout(output).contains(PASSWORD));
    assert!(err.contains("user information is not allowed"), "{err}");
}

#[test]
fn a_flag_with_user_information_is_exit_2_and_never_printed() {
    let endpoint = format!("http://user:{PASSWORD}@127.0.0.1:9");
    let output = run(with_acedata("http://127.0.0.1:9").args([
        "acedata",
        "usage",
        "--endpoint",
        &endpoint,
        "-v",
    ]));
    assert_refused(&output, 2);
}

#[test]
fn an_environment_value_with_user_information_is_exit_3_and_never_printed() {
    let endpoint = format!("http://user:{PASSWORD}@127.0.0.1:9");
    let output = run(with_acedata(&endpoint).args(["acedata", "usage", "-v"]));
    assert_refused(&output, 3);
}

#[test]
fn a_path_or_query_is_refused_by_flag_and_environment_with_the_same_reason() {
    for (bad, why) in [
        (
            "http://127.0.0.1:9/api/v1",
            "a path ('/api/v1') is not allowed",
        ),
        (
            "http://127.0.0.1:9/?x=1",
            "a query or fragment is not allowed",
        ),
    ] {
        let flag =
            run(with_acedata("http://127.0.0.1:9").args(["acedata", "usage", "--endpoint", bad]));
        assert_eq!(flag.status.code(), Some(2), "{}", stderr(&flag));
        assert!(stderr(&flag).contains(why), "{}", stderr(&flag));
        let env = run(with_acedata(bad).args(["acedata", "usage"]));
        assert_eq!(env.status.code(), Some(3), "{}", stderr(&env));
        assert!(stderr(&env).contains(why), "{}", stderr(&env));
        assert!(
            stderr(&env).contains("(from AIGCUSAGE_ACEDATA_ENDPOINT)"),
            "{}",
            stderr(&env)
        );
    }
}
