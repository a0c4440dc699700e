//! Files the resolver refuses: every mistake reported at once, in file
//! order and with its place; routes and gateways Linux would refuse; and
//! arbitrary text, huge values and bytes that are not UTF-8, which never
//! make it panic.

use super::*;

#[test]
fn several_errors_are_reported_together_in_file_order() {
    let e = errors(
        "name: x\nnodes:\n  a:\n    kind: hots\n    interfaces:\n      eth0: { adresses: [10.0.0.1/24], mtu: 20 }\n",
    );
    let lines: Vec<&str> = e.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with("error: bad.yaml:4:11: nodes.a.kind: unknown node kind `hots`"),
        "{e}"
    );
    assert!(lines[1].starts_with("error: bad.yaml:6:7: nodes.a.interfaces.eth0: interface `eth0` of node `a` is an end of no link"), "{e}");
    assert!(
        lines[2].starts_with(
            "error: bad.yaml:6:15: nodes.a.interfaces.eth0.adresses: unknown key `adresses`"
        ),
        "{e}"
    );
    assert!(lines[3].starts_with("error: bad.yaml:6:45: nodes.a.interfaces.eth0.mtu: the MTU must be from 68 to 65535, not 20"), "{e}");
    assert!(e.contains("did you mean `host`?"), "{e}");
    assert!(e.contains("did you mean `addresses`?"), "{e}");
}

#[test]
fn duplicate_keys_are_errors_not_overwrites() {
    let e = errors(
        "name: t\nname: u\nnodes:\n  a: { kind: host }\n  a: { kind: host, kind: container }\n",
    );
    assert!(
        e.contains("bad.yaml:2:1: name: `name` is given twice; the first is on line 1"),
        "{e}"
    );
    assert!(
        e.contains("bad.yaml:5:3: nodes.a: node `a` is declared twice; the first is on line 4"),
        "{e}"
    );
}

#[test]
fn syntax_errors_and_empty_files_have_places() {
    let e = resolve("e.yaml", "").unwrap_err();
    assert_eq!((e.errors[0].line, e.errors[0].column), (1, 1));
    assert_eq!(e.errors[0].message, "the file is empty");
    let e = errors("name: t\nnodes: {a: [}\n");
    assert!(e.starts_with("error: bad.yaml:2:"), "{e}");
    assert!(e.contains("not valid YAML"), "{e}");
}

#[test]
fn a_route_to_a_connected_subnet_is_refused_as_linux_does() {
    let e = errors("name: t\nnodes:\n  a:\n    kind: host\n    interfaces:\n      br0: { type: bridge, addresses: [10.0.0.1/24] }\n    routes:\n      - { to: 10.0.0.0/24, dev: br0 }\n");
    assert!(e.contains("there is already a route to 10.0.0.0/24: the connected route of br0's address 10.0.0.1/24"), "{e}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn all_placed(text: &str) -> Result<(), TestCaseError> {
        if let Err(d) = resolve("p.yaml", text) {
            prop_assert!(!d.errors.is_empty());
            for x in &d.errors {
                prop_assert!(x.line >= 1 && x.column >= 1, "{}", x);
                prop_assert!(!x.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            all_placed(&text)?;
        }

        #[test]
        fn yaml_like_text_never_panics(text in "[a-z0-9:{}\\[\\],&*!|>'\"\\- \n./]{0,200}") {
            all_placed(&text)?;
        }

        #[test]
        fn byte_mutations_of_the_spec_never_panic(
            edits in proptest::collection::vec((0usize..4096, any::<u8>()), 1..12)
        ) {
            let mut bytes = SPEC.as_bytes().to_vec();
            for (pos, b) in edits {
                let len = bytes.len();
                match b % 3 {
                    0 => bytes[pos % len] = b,
                    1 => bytes.insert(pos % len, b),
                    _ => { bytes.remove(pos % len); }
                }
            }
            all_placed(&String::from_utf8_lossy(&bytes))?;
        }

        #[test]
        fn line_deletions_of_the_spec_never_panic(
            drop in proptest::collection::vec(0usize..80, 1..6)
        ) {
            let text: String = SPEC
                .lines()
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            all_placed(&text)?;
        }
    }
}

#[test]
fn a_gateway_behind_a_dev_route_of_another_interface_is_refused() {
    let text = SLASH32
        .replace(
            "      - { to: default, via: 192.168.9.1 }\n",
            "      - { to: default, via: 192.168.9.1, dev: eth1 }\n",
        )
        .replace(
            "      eth0: { addresses: [192.168.9.5/32] }\n",
            "      eth0: { addresses: [192.168.9.5/32] }\n      eth1: { addresses: [10.7.0.1/24] }\n",
        )
        + "  - veth: [a:eth1, gw:eth2]\n";
    let e = errors(&text);
    assert!(
        e.contains("gateway 192.168.9.1 is not in a subnet of eth1 (its subnets: 10.7.0.0/24), nor covered by a route with `dev: eth1` and no `via`"),
        "{e}"
    );
}

#[test]
fn a_huge_value_quoted_by_many_errors_stays_small() {
    let big = "x".repeat(1 << 20);
    let mut y = format!("name: t\nnodes:\n  a: {{ kind: &s \"{big}\" }}\n");
    for i in 0..6 {
        y.push_str(&format!("  n{i}: {{ kind: *s, on: *s }}\n"));
    }
    let e = resolve("big.yaml", &y).unwrap_err();
    let shown = e.to_string();
    assert!(e.errors.len() >= 13, "{shown}");
    assert!(shown.len() < 20_000, "{} bytes of errors", shown.len());
    // More aliases to it than the text budget allows: refused at once.
    for i in 6..40 {
        y.push_str(&format!("  n{i}: {{ kind: *s }}\n"));
    }
    let e = resolve("big.yaml", &y).unwrap_err();
    assert!(e.to_string().contains("MiB of text"), "{e}");
}

#[test]
fn bytes_that_are_not_utf8_are_placed_and_named() {
    let e = resolve_bytes("l.yaml", b"name: t\nnodes:\n  \xc3\xa9t\xe9: {}\n").unwrap_err();
    let d = &e.errors[0];
    // Columns count characters: `é` before the bad byte is one.
    assert_eq!((d.line, d.column), (3, 5), "{e}");
    assert!(d.message.starts_with("byte 0xE9 here is not UTF-8"), "{e}");
    let e = resolve_bytes("w.yaml", b"\xff\xfen\x00a\x00").unwrap_err();
    assert!(e.errors[0].message.contains("UTF-16"), "{e}");
    assert_eq!((e.errors[0].line, e.errors[0].column), (1, 1));
    // A UTF-8 byte order mark is fine.
    let t = resolve_bytes(
        "b.yaml",
        b"\xef\xbb\xbfname: t\nnodes:\n  a: { kind: host }\n",
    );
    assert!(t.is_ok(), "{t:?}");
    let big = vec![b' '; MAX_FILE_BYTES + 1];
    let e = resolve_bytes("big.yaml", &big).unwrap_err();
    assert!(e.errors[0].message.contains("larger than 64 MiB"), "{e}");
}
