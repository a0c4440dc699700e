//! The page's entry point (trunk builds this binary to wasm).

#[cfg(target_arch = "wasm32")]
fn main() {
    netsim_web::start();
}

/// On the host the page has nothing to run; this prints the scenarios it
/// would offer.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    for s in netsim_web::model::scenarios() {
        let mark = if s.key == netsim_web::model::default_key() {
            "*"
        } else {
            " "
        };
        println!("{mark} {} — {}", s.key, s.title);
    }
}
