//! The probe menu: the file's probes, and a form to compose one (from, to,
//! protocol, port, TTL).

use netsim_core::model::{NodeId, ProbeProto};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::model::{probe_label, Compose, Topo};

#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    pub topo: Topo,
    pub selected: Option<usize>,
    pub on_pick: Callback<i64>,
    pub on_compose: Callback<Compose>,
}

fn value_of(e: &Event) -> String {
    e.target()
        .and_then(|t| {
            t.clone()
                .dyn_into::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .or_else(|_| t.dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()))
                .ok()
        })
        .unwrap_or_default()
}

#[function_component(ProbeMenu)]
pub fn probe_menu(props: &Props) -> Html {
    let t = &props.topo;
    let open = use_state(|| false);
    let from = use_state(|| t.probes.first().map_or(NodeId(0), |p| p.from));
    let to = use_state(|| {
        t.probes
            .first()
            .map(|p| p.to_text.clone())
            .unwrap_or_default()
    });
    let proto = use_state(|| ProbeProto::Icmp);
    let port = use_state(|| "80".to_string());
    let ttl = use_state(|| "64".to_string());

    let onchange = {
        let cb = props.on_pick.clone();
        Callback::from(move |e: Event| {
            if let Ok(i) = value_of(&e).parse::<i64>() {
                cb.emit(i);
            }
        })
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(value_of(&e)))
    };
    let on_from = {
        let from = from.clone();
        Callback::from(move |e: Event| {
            if let Ok(i) = value_of(&e).parse::<u32>() {
                from.set(NodeId(i));
            }
        })
    };
    let on_proto = {
        let proto = proto.clone();
        Callback::from(move |e: Event| {
            proto.set(match value_of(&e).as_str() {
                "tcp" => ProbeProto::Tcp,
                "udp" => ProbeProto::Udp,
                _ => ProbeProto::Icmp,
            })
        })
    };
    let run = {
        let cb = props.on_compose.clone();
        let (from, to, proto, port, ttl) = (
            from.clone(),
            to.clone(),
            proto.clone(),
            port.clone(),
            ttl.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(Compose {
                from: *from,
                to: (*to).clone(),
                proto: *proto,
                port: port.trim().parse().ok(),
                ttl: ttl.trim().parse().unwrap_or(64),
            });
        })
    };
    let sel = props.selected.map(|i| i.to_string()).unwrap_or_default();
    html! {
        <div class="probes">
            <label>
                <span class="sr">{ "Probe" }</span>
                <select id="probe" {onchange} aria-label="Probe">
                    { for (0..t.probes.len()).map(|i| html! {
                        <option value={i.to_string()} selected={sel == i.to_string()}>{ probe_label(t, i) }</option>
                    }) }
                    if props.selected.is_none() {
                        <option value="" selected=true>{ "composed probe" }</option>
                    }
                </select>
            </label>
            <button class="compose-toggle" onclick={toggle} aria-expanded={(*open).to_string()}>{ "compose…" }</button>
            if *open {
                <form class="compose" onsubmit={run}>
                    <label>{ "from " }
                        <select id="c-from" onchange={on_from}>
                            { for t.nodes.iter().map(|n| html! {
                                <option value={n.id.0.to_string()} selected={n.id == *from}>{ &n.name }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ "to " }<input id="c-to" size="14" value={(*to).clone()} onchange={set(&to)} placeholder="node, node:if or address" /></label>
                    <label>{ "proto " }
                        <select id="c-proto" onchange={on_proto}>
                            { for ["icmp", "tcp", "udp"].iter().map(|p| html! {
                                <option value={*p} selected={proto.as_str() == *p}>{ *p }</option>
                            }) }
                        </select>
                    </label>
                    if *proto != ProbeProto::Icmp {
                        <label>{ "port " }<input id="c-port" size="5" inputmode="numeric" value={(*port).clone()} onchange={set(&port)} /></label>
                    }
                    <label>{ "TTL " }<input id="c-ttl" size="3" inputmode="numeric" value={(*ttl).clone()} onchange={set(&ttl)} /></label>
                    <button type="submit">{ "run" }</button>
                </form>
            }
        </div>
    }
}
