//! Time running down a chart: every moment worth drawing (a call, a packet leaving, a packet
//! arriving) gets a height on the page. Times keep their order; each mark gets room below the
//! one before; short gaps keep their proportions, so a packet's flight shows as a slant; idle
//! stretches are cut to a fixed height and labelled with how long they were.

/// A gap longer than this is idle: cut short, with a label.
pub const IDLE_US: u64 = 20_000;
/// Gaps shorter than [`IDLE_US`] take this much height per millisecond.
const PX_PER_MS: f64 = 3.0;
/// The height of a cut-short stretch.
pub const BREAK_PX: f64 = 30.0;

/// One moment to place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    pub t_us: u64,
    /// Among keys at the same microsecond, lower ranks go first (a call's start before what
    /// arrives, what arrives before what leaves, what leaves before a call's return).
    pub rank: u8,
    pub room: Room,
}

/// How much room a key needs of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Room {
    /// None: it sits wherever its time falls (a packet's arrival), so a packet delivered in
    /// microseconds is drawn flat.
    Free,
    /// It starts below the marks before it but takes no height itself (the top of a recv()
    /// box, which grows until the call returns).
    Clear,
    /// A mark reaching `above` over its y and `below` under it (labels included).
    Mark { above: f64, below: f64 },
    /// The left-out middle of a long run: always a cut, whatever the time.
    Elision,
}

/// A stretch cut short.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    pub top: f64,
    pub bottom: f64,
    /// How long it really was.
    pub idle_us: u64,
    /// It stands for left-out events, not for idle time.
    pub elision: bool,
}

/// Where each key went.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The y of each key, in the order the keys were given.
    pub ys: Vec<f64>,
    pub breaks: Vec<Break>,
    /// Just below the lowest mark.
    pub bottom: f64,
}

/// Place `keys` in time order, starting at `top`.
pub fn lay_out(keys: &[Key], top: f64) -> Timeline {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (keys[i].t_us, keys[i].rank));
    let mut ys = vec![top; keys.len()];
    let mut breaks = Vec::new();
    // `y` follows time; `free` is where the next mark may start.
    let (mut y, mut free) = (top, top);
    let mut last_t: Option<u64> = None;
    for i in order {
        let key = keys[i];
        let gap = last_t.map_or(0, |t| key.t_us.saturating_sub(t));
        let elision = key.room == Room::Elision;
        if gap > IDLE_US || elision {
            let start = y.max(free);
            breaks.push(Break {
                top: start,
                bottom: start + BREAK_PX,
                idle_us: gap,
                elision,
            });
            y = start + BREAK_PX;
            free = y;
        } else {
            y += gap as f64 / 1000.0 * PX_PER_MS;
        }
        match key.room {
            Room::Free | Room::Elision => {}
            Room::Clear => y = y.max(free),
            Room::Mark { above, below } => {
                y = y.max(free + above);
                free = y + below;
            }
        }
        ys[i] = y;
        last_t = Some(key.t_us);
    }
    Timeline {
        ys,
        breaks,
        bottom: y.max(free),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(t_us: u64) -> Key {
        Key {
            t_us,
            rank: 2,
            room: Room::Mark {
                above: 0.0,
                below: 20.0,
            },
        }
    }

    fn arrival(t_us: u64) -> Key {
        Key {
            t_us,
            rank: 1,
            room: Room::Free,
        }
    }

    #[test]
    fn a_packet_delivered_in_microseconds_is_flat_and_the_next_mark_gets_room() {
        let line = lay_out(&[mark(1000), arrival(1004), mark(1010)], 0.0);
        assert!(line.ys[1] - line.ys[0] < 0.1, "{:?}", line.ys);
        assert!(line.ys[2] >= line.ys[0] + 20.0);
        assert!(line.breaks.is_empty());
    }

    #[test]
    fn a_flight_of_milliseconds_slants_in_proportion() {
        let line = lay_out(&[mark(0), arrival(10_000)], 0.0);
        assert!(
            (line.ys[1] - line.ys[0] - 30.0).abs() < 0.01,
            "{:?}",
            line.ys
        );
    }

    #[test]
    fn an_idle_stretch_is_cut_short_and_remembers_how_long_it_was() {
        let line = lay_out(&[mark(0), mark(100_000)], 10.0);
        assert_eq!(line.breaks.len(), 1);
        let cut = line.breaks[0];
        assert_eq!(cut.idle_us, 100_000);
        assert_eq!(cut.top, 30.0, "the cut starts below the first mark");
        assert_eq!(line.ys[1], cut.bottom);
    }

    #[test]
    fn keys_are_placed_in_time_order_whatever_order_they_come_in() {
        let line = lay_out(&[mark(5_000), mark(0)], 0.0);
        assert!(line.ys[0] > line.ys[1]);
    }
}
