-- tests/plugin/ardour_jack.lua -- run by ardour_jack.sh with ardour7-lua:
--   ardour7-lua ardour_jack.lua PLUGIN_URI SESSION_DIR LOOKAHEAD
-- Headless Ardour on a running JACK server (JACK backend): a new session, a
-- MIDI track "Melody" monitoring its input, Kantor on it with the given
-- lookahead, the transport rolling.  It waits until a player (the test's
-- jack_roundtrip.py) has connected the track's MIDI input, rolls for the
-- melody's length, stops the transport, saves and closes -- the player's
-- recorder meanwhile records what leaves the track's MIDI output.
-- Prints KANTOR-ARDOUR-OK at the very end; any Lua error stops before it.
local uri = arg[1]
local dir = arg[2]
local lookahead = tonumber(arg[3] or "0")
assert(uri and dir, "usage: ardour_jack.lua PLUGIN_URI SESSION_DIR LOOKAHEAD")

assert(AudioEngine:set_backend("JACK", "", ""), "no JACK backend")
local s = create_session(dir, "kantor", 48000)
assert(s, "cannot create the session in " .. dir)
local tl = Session:new_midi_track(
  ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
  ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1), false, ARDOUR.PluginInfo(),
  nil, nil, 1, "Melody", ARDOUR.PresentationInfo.max_order,
  ARDOUR.TrackMode.Normal, true)
assert(tl:size() == 1, "no MIDI track")
local track = tl:front()
track:monitoring_control():set_value(ARDOUR.MonitorChoice.MonitorInput,
                                     PBD.GroupControlDisposition.NoGroup)
local p = ARDOUR.LuaAPI.new_plugin(Session, uri, ARDOUR.PluginType.LV2, "")
assert(not p:isnil(), "plugin not found: " .. uri .. " (LV2_PATH?)")
assert(track:add_processor_by_index(p, 0, nil, true) == 0,
       "cannot add the plugin to the track")
-- control inputs are in kt_param order: 5 lookahead
assert(ARDOUR.LuaAPI.set_processor_param(p, 5, lookahead),
       "cannot set lookahead")
print("track ports:", track:input():nth(0):name(), track:output():nth(0):name())

Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
-- the player connects the track's input when it sees the ports
local waited = 0
while not track:input():nth(0):connected() and waited < 60 do
  sleep(0.1)
  waited = waited + 0.1
end
assert(track:input():nth(0):connected(), "no player connected in 60 s")
-- the melody lasts 10.5 s from the connection
sleep(11.5)
print("rolled to sample", Session:transport_sample(), "latency",
      p:signal_latency())
assert(Session:transport_rolling(), "the transport stopped by itself")
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
sleep(1)
assert(not Session:transport_rolling(), "the transport did not stop")
Session:save_state("", false, false, false, false, false)
close_session()
print("KANTOR-ARDOUR-OK")
