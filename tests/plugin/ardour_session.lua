-- tests/plugin/ardour_session.lua -- run by ardour.sh with ardour7-lua:
--   ardour7-lua ardour_session.lua PLUGIN_URI SESSION_DIR
-- Headless Ardour with the None (Dummy) backend: a new session, a MIDI
-- track (input from the dummy's MIDI event generator), Kantor loaded by
-- URI, a few seconds of rolling, lookahead 4 -> the latency Ardour sees,
-- a transport stop, the session saved (plugin state) and closed.
-- Prints KANTOR-ARDOUR-OK at the very end; any Lua error stops before it.
local uri = arg[1]
local dir = arg[2]
assert(uri and dir, "usage: ardour_session.lua PLUGIN_URI SESSION_DIR")

local be = AudioEngine:set_backend("None (Dummy)", "", "")
assert(be, "no None (Dummy) backend")
-- a MIDI note generator on the dummy's physical MIDI input, when available
pcall(function() be:set_midi_option("Midi Event Generator") end)

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
local plug = p:to_insert():plugin(0)
print("plugin:", plug:name(), "ports:", plug:parameter_count())
assert(plug:name() == "Kantor", "unexpected plugin name " .. plug:name())
-- control inputs are in kt_param order: 0 enabled ... 5 lookahead
local en = ARDOUR.LuaAPI.get_processor_param(p, 0)
assert(en == 1, "enabled should default to 1, got " .. tostring(en))

Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
sleep(2)
local lat0 = p:signal_latency()
assert(ARDOUR.LuaAPI.set_processor_param(p, 5, 4), "cannot set lookahead")
sleep(1.5)
local at = Session:transport_sample()
local lat4 = p:signal_latency()
print("rolled to sample", at, "latency L0:", lat0, "L4:", lat4)
assert(at > 48000, "the transport did not roll")
assert(lat0 == 0, "latency with lookahead 0: " .. tostring(lat0))
assert(lat4 > 0, "lookahead 4 reports no latency")
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
sleep(0.5)
assert(not Session:transport_rolling(), "the transport did not stop")
Session:save_state("", false, false, false, false, false)
close_session()
print("KANTOR-ARDOUR-OK")
