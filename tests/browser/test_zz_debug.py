from tests.browser.conftest import WIDE
from tests.browser.test_pages import open_tab, register  # noqa: F401

def test_debug(open_tab):  # noqa: F811
    tab = open_tab(WIDE)
    register(tab)
    msgs = []
    tab.page.on("console", lambda m: msgs.append(m.type + ": " + m.text))
    page = tab.go("/calendar")
    page.wait_for_timeout(2000)
    page.screenshot(path="/tmp/cal1.png")
    print("MSGS", msgs, tab.problems)
    html = page.locator("#calendar").inner_html()
    open("/tmp/cal.html", "w").write(html)
    print(html[:3000])
