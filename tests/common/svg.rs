//! Reading lab's SVG charts in tests: the marks a chart draws, by their classes.

/// The `<g class="mark …">` elements carrying every class in `classes`.
pub fn marks<'a>(
    doc: &'a roxmltree::Document<'a>,
    classes: &[&str],
) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| {
            let class: Vec<&str> = n.attribute("class").unwrap_or("").split(' ').collect();
            n.has_tag_name("g")
                && class.contains(&"mark")
                && classes.iter().all(|c| class.contains(c))
        })
        .collect()
}

/// The sum of a numeric attribute (`data-packets`, `data-segments`) over `nodes`.
pub fn sum_attribute(nodes: &[roxmltree::Node<'_, '_>], name: &str) -> u64 {
    nodes
        .iter()
        .map(|n| n.attribute(name).unwrap().parse::<u64>().unwrap())
        .sum()
}

/// How far a mark's line falls from its start to its end, in pixels: a packet's flight.
pub fn slant(mark: &roxmltree::Node<'_, '_>) -> f64 {
    let line = mark
        .descendants()
        .find(|n| n.has_tag_name("line"))
        .expect("a packet is drawn as a line");
    let y = |name| line.attribute(name).unwrap().parse::<f64>().unwrap();
    y("y2") - y("y1")
}
